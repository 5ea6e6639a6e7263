#include "wangge/util/number.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "wangge/util/error.hpp"

namespace wangge::number {
namespace {

/// The message of the Error @p fn throws, or "" when it throws none.
template <class Fn>
std::string refusal(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(Number, IntegersWithinTheRangeAreRead) {
  EXPECT_EQ(parse_integer_in("1", "limit", 1, 200), 1);
  EXPECT_EQ(parse_integer_in("200", "limit", 1, 200), 200);
  EXPECT_EQ(parse_integer_in(" +17 ", "limit", 1, 200), 17);
  EXPECT_EQ(parse_integer_in("-5", "x", -10, 10), -5);
  EXPECT_EQ(parse_integer_in("0", "offset", 0, 10000), 0);
}

TEST(Number, AnythingButAnIntegerInRangeNamesTheParameterAndTheRange) {
  const std::string rule = "query parameter 'limit' must be an integer from 1 to 200";
  for (const char* bad : {"",
                          " ",
                          "0",
                          "201",
                          "-1",
                          "nan",
                          "NaN",
                          "inf",
                          "-inf",
                          "infinity",
                          "1e3",
                          "1e19",
                          "1e400",
                          "2.5",
                          "10.0",
                          "0x10",
                          "abc",
                          "1 2",
                          "--1",
                          "+-1",
                          "9223372036854775808",
                          "-9223372036854775809",
                          "18446744073709551616"}) {
    EXPECT_EQ(refusal([&] { parse_integer_in(bad, "query parameter 'limit'", 1, 200); }), rule)
        << "'" << bad << "'";
  }
}

TEST(Number, TheWholeRangeOfLongLongIsReadExactly) {
  constexpr auto lo = std::numeric_limits<long long>::min();
  constexpr auto hi = std::numeric_limits<long long>::max();
  EXPECT_EQ(parse_integer_in("9223372036854775807", "n", lo, hi), hi);
  EXPECT_EQ(parse_integer_in("-9223372036854775808", "n", lo, hi), lo);
}

TEST(Number, DecimalsMustBeFiniteAndWithinTheRange) {
  EXPECT_EQ(parse_decimal_in("112.5", "lon", -180, 180), 112.5);
  EXPECT_EQ(parse_decimal_in("-1e2", "lon", -180, 180), -100);
  EXPECT_EQ(parse_decimal_in("180", "lon", -180, 180), 180);
  const std::string rule = "query parameter 'lon' must be a number from -180 to 180";
  for (const char* bad : {"", "nan", "-nan", "inf", "-inf", "infinity", "1e400", "-1e400",
                          "180.0001", "abc", "1,5", "0x10"}) {
    EXPECT_EQ(refusal([&] { parse_decimal_in(bad, "query parameter 'lon'", -180, 180); }), rule)
        << "'" << bad << "'";
  }
  EXPECT_EQ(decimal_rule(0, 0.5), "a number from 0 to 0.5");
  EXPECT_EQ(format(1e300), "1e+300");
}

TEST(Number, FiniteNumbersOfAnySizeLeaveTheRangeToTheDomain) {
  EXPECT_EQ(parse_finite("214.3", "lon"), 214.3);
  EXPECT_EQ(parse_finite("-1e300", "lon"), -1e300);
  for (const char* bad : {"", "nan", "inf", "-infinity", "1e400", "abc"})
    EXPECT_EQ(refusal([&] { parse_finite(bad, "lon"); }), "lon must be a finite number") << bad;
}

TEST(Number, ToIntegerRefusesWhatDoesNotFit) {
  EXPECT_EQ(to_integer<long long>(1e19), std::nullopt);  // the OGC offset that crashed the server
  EXPECT_EQ(to_integer<long long>(-1e19), std::nullopt);
  EXPECT_EQ(to_integer<long long>(std::nan("")), std::nullopt);
  EXPECT_EQ(to_integer<long long>(INFINITY), std::nullopt);
  EXPECT_EQ(to_integer<long long>(-INFINITY), std::nullopt);
  EXPECT_EQ(to_integer<std::size_t>(-1.0), std::nullopt);
  EXPECT_EQ(to_integer<std::size_t>(-0.5), std::size_t{0});  // truncates toward zero, like a cast
  EXPECT_EQ(to_integer<int>(2147483647.9), 2147483647);
  EXPECT_EQ(to_integer<int>(2147483648.0), std::nullopt);
  EXPECT_EQ(to_integer<int>(-2147483648.9), -2147483648);
  EXPECT_EQ(to_integer<int>(-2147483649.0), std::nullopt);
  EXPECT_EQ(to_integer<long long>(0x1p63), std::nullopt);  // 2^63 is one past the highest
  EXPECT_EQ(to_integer<long long>(-0x1p63), std::numeric_limits<long long>::min());
  EXPECT_EQ(to_integer<std::uint64_t>(0x1p64), std::nullopt);
  EXPECT_EQ(to_integer<std::uint64_t>(0x1p64 - 2048), 0xFFFFFFFFFFFFF800ull);
  EXPECT_EQ(to_integer<std::uint32_t>(4294967295.5), 4294967295u);
  EXPECT_EQ(to_integer<std::uint8_t>(256.0), std::nullopt);
}

TEST(Number, ToIntegerAgreesWithABruteForceOverRandomDoubles) {
  // Any double that fits converts exactly as a cast would; checked with long double, which
  // holds every 64-bit integer, as the reference.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-2, 70);
  for (int i = 0; i < 100000; ++i) {
    const double v = (rng() & 1 ? -1 : 1) * std::pow(2.0, exponent(rng));
    const long double t = std::trunc(static_cast<long double>(v));
    const bool expect = t >= -0x1p63L && t <= 0x1p63L - 1;
    const auto got = to_integer<long long>(v);
    ASSERT_EQ(got.has_value(), expect) << v;
    if (got) {
      EXPECT_EQ(static_cast<long double>(*got), t) << v;
    }
  }
}

TEST(Number, IntegralInNamesTheFieldForFractionsAndOutOfRange) {
  EXPECT_EQ(integral_in(5.0, "field 'rating'", 1, 5), 5);
  const std::string rule = "field 'rating' must be an integer from 1 to 5";
  for (double bad :
       {0.0, 6.0, 4.5, 1e19, -1e19, 1e300, std::nan(""), double{INFINITY}, -double{INFINITY}})
    EXPECT_EQ(refusal([&] { integral_in(bad, "field 'rating'", 1, 5); }), rule) << bad;
}

TEST(Number, ClampToSaturatesAndNeverLeavesTheRange) {
  EXPECT_EQ(clamp_to<int>(-3.5, 0, 15), 0);
  EXPECT_EQ(clamp_to<int>(7.9, 0, 15), 7);
  EXPECT_EQ(clamp_to<int>(1e300, 0, 15), 15);
  EXPECT_EQ(clamp_to<int>(std::nan(""), 0, 15), 0);
  EXPECT_EQ(clamp_to<long long>(1e19, std::numeric_limits<long long>::min(),
                                std::numeric_limits<long long>::max()),
            std::numeric_limits<long long>::max());
  EXPECT_EQ(clamp_to<std::uint32_t>(-INFINITY, 0u, 7u), 0u);
}

TEST(Number, NarrowConvertsProvedValues) {
  EXPECT_EQ(narrow<int>(42.9), 42);
  EXPECT_EQ(narrow<std::size_t>(3.0), 3u);
  EXPECT_EQ(narrow_round(2.5), 3);
  EXPECT_EQ(narrow_round(-2.5), -3);
}

}  // namespace
}  // namespace wangge::number
