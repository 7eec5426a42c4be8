// The device family table: model names as scenarios write them, and what
// each family's firmware decides.

#include "itlfleet/sim/device_family.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace itlfleet::sim {
namespace {

firmware_version fw(const char* text) {
  return firmware_version::parse(text).value();
}

TEST(DeviceFamily, a_model_is_found_with_or_without_cp_and_the_g_in_any_case) {
  const device_family* f = find_family("CP-8861");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "88xx");
  EXPECT_EQ(find_family("8861"), f);
  EXPECT_EQ(find_family("cp-8861"), f);
  EXPECT_EQ(find_family("CP-7965G")->name, find_family("7965")->name);
  EXPECT_EQ(find_family("cp-dx80")->name, "DX80");
  EXPECT_EQ(find_family("CP-1234"), nullptr);
  EXPECT_EQ(find_family(""), nullptr);
  EXPECT_EQ(find_family("CP-"), nullptr);
  EXPECT_EQ(find_family("G"), nullptr);
}

TEST(DeviceFamily, the_7940_and_7960_have_no_security_by_default) {
  for (const char* model : {"CP-7940G", "CP-7960G"}) {
    const device_family* f = find_family(model);
    ASSERT_NE(f, nullptr) << model;
    EXPECT_FALSE(f->security_by_default);
    EXPECT_FALSE(f->tvs);
    EXPECT_FALSE(f->reports_device_tl_info(fw("12.0(1)"))) << "no ITL to report";
    EXPECT_FALSE(f->fetches_over_http(fw("9.4(1)")));
  }
}

TEST(DeviceFamily, firmware_decides_http_and_device_tl_info_where_the_row_says_so) {
  const device_family* f88 = find_family("8861");
  EXPECT_TRUE(f88->fetches_over_http(fw("12.8(1)")));
  EXPECT_FALSE(f88->fetches_over_http(fw("8.5(2)")));
  EXPECT_TRUE(f88->reports_device_tl_info(fw("9.4(1)")));
  EXPECT_FALSE(f88->reports_device_tl_info(fw("9.3(4)")));
  const device_family* f79 = find_family("7965");
  EXPECT_FALSE(f79->fetches_over_http(fw("12.8(1)"))) << "TFTP only";
  EXPECT_TRUE(f79->reports_device_tl_info(fw("9.4(2)")));
  EXPECT_EQ(find_family("8945")->recovery, manual_recovery::reset_security_settings);
  EXPECT_EQ(f88->recovery, manual_recovery::erase_itl);
}

TEST(DeviceFamily, every_model_is_in_one_family_and_listed_once) {
  std::set<std::string> seen;
  for (const std::string& m : known_models()) {
    EXPECT_TRUE(seen.insert(m).second) << m << " twice";
    EXPECT_NE(find_family(m), nullptr) << m;
  }
  EXPECT_GE(seen.size(), 20u);
  for (const device_family& f : device_families()) {
    EXPECT_FALSE(f.models.empty()) << f.name;
    EXPECT_LE(f.max_itl_bytes, 65535u) << f.name;
  }
}

}  // namespace
}  // namespace itlfleet::sim
