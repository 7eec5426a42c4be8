// What itlfleet emits stays valid whatever its input held: UTF-8 checks,
// JSON strings and terminal text.

#include "itlfleet/sim/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "itlfleet/sim/json.hpp"

namespace itlfleet {
namespace {

TEST(ValidUtf8, keeps_valid_text_and_replaces_each_bad_byte) {
  EXPECT_EQ(valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"),
            "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
  EXPECT_EQ(valid_utf8("a\x80z"), "a\uFFFDz");                            // stray continuation byte
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\uFFFD\uFFFD");                      // overlong '/'
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");            // surrogate U+D800
  EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // past U+10FFFF
  EXPECT_EQ(valid_utf8("end\xe2\x82"), "end\uFFFD\uFFFD");                // truncated at the end
  EXPECT_EQ(valid_utf8(std::string_view("nul\0ok", 6)), std::string("nul\0ok", 6));
}

TEST(ValidUtf8, finds_the_first_bad_byte) {
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("caf\xe9"));
  EXPECT_EQ(first_invalid_utf8("caf\xe9"), 3u);
  EXPECT_EQ(first_invalid_utf8("ok"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("\xe2\x82\xac\xff"), 3u);
}

TEST(JsonQuote, is_valid_utf8_json_whatever_the_bytes) {
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid text kept as is
  EXPECT_EQ(json_quote("bad\xff\xfe"), "\"bad\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("esc\x1b[2J"), "\"esc\\u001b[2J\"");
  EXPECT_EQ(json_quote("del\x7f"), "\"del\\u007f\"");
  EXPECT_EQ(json_quote("q\"b\\n\n"), "\"q\\\"b\\\\n\\n\"");
  EXPECT_EQ(json_quote(std::string_view("nul\0", 4)), "\"nul\\u0000\"");
}

TEST(TerminalSafe, shows_control_bytes_instead_of_sending_them) {
  EXPECT_EQ(terminal_safe("plain\ttext\n"), "plain\ttext\n");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(terminal_safe("name\x1b]0;pwned\x07"), "name\\x1b]0;pwned\\x07");
  EXPECT_EQ(terminal_safe("cr\rback"), "cr\\x0dback");
  EXPECT_EQ(terminal_safe("c1 \xc2\x9b"
                          "31m"),
            "c1 \\u{9b}31m");                         // CSI as a code point
  EXPECT_EQ(terminal_safe("raw \x9b"), "raw \\x9b");  // CSI as a raw byte
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
}

}  // namespace
}  // namespace itlfleet
