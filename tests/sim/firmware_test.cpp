#include "itlfleet/sim/firmware.hpp"

#include <gtest/gtest.h>

namespace itlfleet::sim {
namespace {

TEST(Firmware, reads_cisco_version_strings) {
  auto v = firmware_version::parse("12.8(1)SR1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 12);
  EXPECT_EQ(v->minor, 8);
  EXPECT_EQ(v->maint, 1);
  EXPECT_TRUE(firmware_version::parse("9.3"));
  EXPECT_FALSE(firmware_version::parse("sip88xx"));
  EXPECT_FALSE(firmware_version::parse(""));
  EXPECT_FALSE(firmware_version::parse("9."));
}

TEST(Firmware, device_tl_info_is_reported_from_9_4_1_on) {
  EXPECT_FALSE(firmware_version::parse("9.3(4)")->reports_device_tl_info());
  EXPECT_FALSE(firmware_version::parse("9.4(0)")->reports_device_tl_info());
  EXPECT_TRUE(firmware_version::parse("9.4(1)")->reports_device_tl_info());
  EXPECT_TRUE(firmware_version::parse("10.3(1)")->reports_device_tl_info());
  EXPECT_TRUE(firmware_version::parse("12.8(1)")->reports_device_tl_info());
}

}  // namespace
}  // namespace itlfleet::sim
