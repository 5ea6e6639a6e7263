#include "names.hpp"

#include <cstdio>

namespace wangge::sample {
namespace {

const std::vector<std::string> kSurnames = {
    "王", "李", "张", "刘", "陈",   "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何",   "林", "罗", "郑", "梁", "谢", "唐", "许",
    "邓", "彭", "曾", "肖", "田",   "袁", "蒋", "谭", "龙", "贺", "毛", "易",
    "雷", "文", "刘", "颜", "欧阳", "向", "邹", "廖", "尹", "汤", "段", "钟"};
const std::vector<std::string> kGiven = {
    "伟",   "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",   "军",   "洋",   "勇",
    "艳",   "杰",   "娟",   "涛",   "明",   "超",   "秀英", "霞",   "平",   "刚",   "桂英",
    "建华", "建国", "志强", "海燕", "红梅", "小兰", "立新", "春生", "国平", "湘君", "德明",
    "爱华", "玉兰", "水生", "佳怡", "子轩", "梓涵", "浩然", "雨桐"};
const std::vector<std::string> kBlocks = {"东坪", "北岸", "南湖", "杨梅洲", "桃源", "砂子岭",
                                          "窑湾", "青石", "白石", "枫林",   "荷塘", "金盆",
                                          "湘江", "梅园", "竹埠", "柳塘",   "樟树"};
const std::vector<std::string> kStreetStems = {
    "建设", "人民", "韶山", "雨湖", "湖湘", "宝塔", "平政", "熙春", "曙光", "车站", "和平", "胜利",
    "芙蓉", "岳塘", "湘潭", "护潭", "友谊", "解放", "光明", "新华", "文化", "育才", "幸福", "民主"};

}  // namespace

std::string person_name(Random& rng) {
  return kSurnames[rng.below(kSurnames.size())] + kGiven[rng.below(kGiven.size())];
}

std::string phone_number(Random& rng) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "1990073%04d", static_cast<int>(rng.below(10000)));
  return buf;
}

const std::vector<std::string>& block_names() {
  return kBlocks;
}

std::string street_name(Random& rng, const std::string& highway) {
  const std::string& stem = kStreetStems[rng.below(kStreetStems.size())];
  if (highway == "primary") return stem + "大道";
  if (highway == "secondary") return stem + "路";
  if (highway == "tertiary") return stem + "街";
  if (highway == "residential") return stem + "巷";
  return "";
}

std::string chinese_number(int n) {
  static const char* digits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
  if (n <= 10) return digits[n];
  if (n < 20) return std::string("十") + digits[n - 10];
  return std::string(digits[n / 10]) + "十" + (n % 10 ? digits[n % 10] : "");
}

const std::vector<Category>& categories() {
  static const std::vector<Category> kCategories = {
      {"0101",
       "暴露垃圾",
       "事件",
       {"{place}路边有生活垃圾堆放，无人清运", "{place}垃圾桶满溢，气味较大",
        "{place}绿化带内有建筑垃圾和生活垃圾混放"},
       14},
      {"0102",
       "道路不洁",
       "事件",
       {"{place}路面有大片油污，行人易滑倒", "{place}人行道积泥较多，请安排清扫"},
       8},
      {"0103",
       "私搭乱建",
       "事件",
       {"{place}一楼住户在公共区域搭建雨棚", "{place}楼顶新建彩钢房，疑似违建"},
       5},
      {"0201",
       "非法小广告",
       "事件",
       {"{place}墙面和电线杆上张贴大量小广告", "{place}单元门口被喷涂办证电话"},
       7},
      {"0301",
       "施工扰民",
       "事件",
       {"{place}工地夜间十点后仍在施工，噪音很大", "{place}装修施工周末早上七点开始电钻作业"},
       5},
      {"0401",
       "占道经营",
       "事件",
       {"{place}早市摊贩占用人行道经营", "{place}门店把货物摆到人行道上"},
       8},
      {"0402",
       "乱停乱放",
       "事件",
       {"{place}电动车堵塞消防通道", "{place}车辆长期占用小区出入口"},
       9},
      {"0501",
       "道路积水",
       "事件",
       {"{place}下雨后路面积水没过脚踝", "{place}排水口堵塞，积水无法排出"},
       4},
      {"0502",
       "管道破裂",
       "事件",
       {"{place}自来水管破裂，水流到路面上", "{place}下水管道破裂外溢"},
       3},
      {"B0101",
       "井盖破损",
       "部件",
       {"{place}井盖破损松动，存在安全隐患", "{place}雨水井盖缺失，已临时用石头围挡"},
       5},
      {"B0102", "路灯故障", "部件", {"{place}路灯连续几晚不亮", "{place}路灯白天常亮，浪费电"}, 7},
      {"B0401",
       "绿地损坏",
       "部件",
       {"{place}绿地被踩踏出小路，草皮损坏", "{place}行道树倾斜，有倒伏危险"},
       4},
      {"0601",
       "矛盾纠纷",
       "事件",
       {"{place}邻里因漏水问题发生纠纷，需要调解", "{place}楼上楼下因噪音多次争吵"},
       8},
      {"0602",
       "安全隐患",
       "事件",
       {"{place}楼道内电动车飞线充电", "{place}老旧房屋外墙瓷砖脱落"},
       7},
      {"0603",
       "独居老人关怀",
       "事件",
       {"{place}独居老人多日未见出门，请网格员上门看看", "{place}高龄老人行动不便，需要助餐服务"},
       6},
  };
  return kCategories;
}

}  // namespace wangge::sample
