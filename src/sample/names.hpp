#pragma once
// Fictional names, phones, place names and report texts for the sample. Every person and
// phone number here is invented; phones use the 199-0073 prefix reserved for this sample.

#include <string>
#include <vector>

#include "random.hpp"

namespace wangge::sample {

std::string person_name(Random& rng);
std::string phone_number(Random& rng);
/// 17 block names (片区), in a fixed order.
const std::vector<std::string>& block_names();
/// A street name for a way of the given OSM highway class.
std::string street_name(Random& rng, const std::string& highway);
/// Chinese numeral for 1..20 (一, 二, ...).
std::string chinese_number(int n);

/// A report category of the sample (GB/T 30428 spirit: 事件 events, including the local
/// 社会治理 governance class, and 部件 components); the tree itself is in reference.cpp.
struct Category {
  std::string code;
  std::string name;
  std::string kind;                ///< 事件 | 部件
  std::vector<std::string> texts;  ///< report text templates
  double share;                    ///< relative frequency in the sample
};
const std::vector<Category>& categories();

}  // namespace wangge::sample
