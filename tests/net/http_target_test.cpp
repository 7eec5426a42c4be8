#include "itlfleet/net/http_target.hpp"

#include <gtest/gtest.h>

namespace itlfleet::net {
namespace {

std::string name_of(std::string_view target) {
  auto name = file_name_from_target(target);
  EXPECT_TRUE(name.ok()) << target << ": " << name.err().to_string();
  return name ? *name : std::string{};
}

TEST(HttpTarget, strips_the_leading_slash) {
  EXPECT_EQ(name_of("/ITLSEP001E7A000001.tlv"), "ITLSEP001E7A000001.tlv");
  EXPECT_EQ(name_of("/Desktops/320x212x12/List.xml"), "Desktops/320x212x12/List.xml");
}

TEST(HttpTarget, decodes_percent_escapes_and_drops_the_query) {
  EXPECT_EQ(name_of("/SEP%30%30%31E.cnf.xml"), "SEP001E.cnf.xml");
  EXPECT_EQ(name_of("/a%20b%2fc"), "a b/c");
  EXPECT_EQ(name_of("/CTLFile.tlv?x=1"), "CTLFile.tlv");
}

TEST(HttpTarget, an_empty_name_is_not_an_error) {
  EXPECT_EQ(name_of("/"), "");
  EXPECT_EQ(name_of("/?q"), "");
}

TEST(HttpTarget, refuses_dot_dot_segments_however_written) {
  for (const auto* target : {"/..", "/../etc/passwd", "/a/../b", "/a/..", "/%2e%2e/x",
                             "/a%2F..%2Fb", "/a\\..\\b", "/..\\x"}) {
    EXPECT_FALSE(file_name_from_target(target).ok()) << target;
  }
  EXPECT_EQ(name_of("/a..b"), "a..b");
  EXPECT_EQ(name_of("/.../x"), ".../x");
}

TEST(HttpTarget, refuses_bad_escapes_controls_and_absolute_names) {
  for (const auto* target : {"", "x", "ITL.tlv", "http://h/x", "/%", "/%4", "/%zz", "/a%00b",
                             "/a%0Ab", "//etc/passwd", "/%2Fetc/passwd", "/%5Cx"}) {
    EXPECT_FALSE(file_name_from_target(target).ok()) << target;
  }
}

TEST(HttpTarget, encodes_names_that_decode_back) {
  EXPECT_EQ(target_for_file_name("ITLSEP001E7A000001.tlv"), "/ITLSEP001E7A000001.tlv");
  EXPECT_EQ(target_for_file_name("a b/c%"), "/a%20b/c%25");
  const std::string odd = "x?y#z\xff~";
  EXPECT_EQ(name_of(target_for_file_name(odd)), odd);
}

}  // namespace
}  // namespace itlfleet::net
