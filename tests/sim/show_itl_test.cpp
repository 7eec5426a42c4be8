// The header under test comes first: it must compile on its own.
#include "itlfleet/sim/show_itl.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/golden.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "seed_cluster.hpp"

namespace itlfleet::sim {
namespace {

// The golden text: tests/sim/golden/show_itl_expected.txt. After an intended
// layout change, regenerate it with ITLFLEET_UPDATE_GOLDEN=1 (the run fails,
// saying it rewrote the file), compare it by eye with CUCM's own `show itl`
// output in the technote, `seed_show_itl` below (section 「show itl」コマンド
// による現在の署名者の確認, "admin:show itl"), and commit it.
const std::string golden_path =
    std::string(ITLFLEET_SOURCE_DIR) + "/tests/sim/golden/show_itl_expected.txt";
/// The technote (Japanese), relative to the repository: the seeds sit in
/// ../shared/seeds beside a checkout of this repository.
constexpr const char* seed_show_itl = "../shared/seeds/000_4ac6501a37b4b8ee.txt";

using test::seed_built_at;
using test::seed_ids;
using test::seed_itl;
using test::seed_reset_at;

constexpr std::int64_t modified_at = seed_built_at;  // Wed Feb 26 18:24:27 UTC 2014

trust_file reset_itl() {
  trust_file f = seed_itl();
  sign_with(f, seed_ids().recovery, seed_reset_at);
  return f;
}

show_options fixed_options() {
  show_options o;
  o.modified_unix = modified_at;
  return o;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

/// The text of each "ITL Record #:" block, in order.
std::vector<std::string> record_blocks(const std::string& text, const std::string& label = "ITL") {
  std::vector<std::string> blocks;
  const std::string marker = label + " Record #:";
  for (auto pos = text.find(marker); pos != std::string::npos;) {
    const auto next = text.find(marker, pos + 1);
    blocks.push_back(text.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    pos = next;
  }
  return blocks;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ShowItl, text_matches_the_golden_layout) {
  const show_report report = show_trust_list(serialise(seed_itl()), fixed_options());
  test::expect_matches_golden(golden_path, report.text);
}

TEST(ShowItl, the_technote_the_golden_is_checked_against_is_where_the_comment_says) {
  const std::filesystem::path seeds = std::filesystem::path(ITLFLEET_SOURCE_DIR) / seed_show_itl;
  if (!std::filesystem::is_directory(seeds.parent_path()))
    GTEST_SKIP() << "no " << seeds.parent_path() << " beside this checkout";
  const std::string text = read_text(seeds.string());
  ASSERT_FALSE(text.empty()) << seeds << " is missing: fix the path in this file";
  EXPECT_NE(text.find("admin:show itl"), std::string::npos);
  EXPECT_NE(text.find("Length of ITL file: 5302"), std::string::npos);
}

TEST(ShowItl, is_deterministic_for_fixed_inputs) {
  const bytes data = serialise(seed_itl());
  EXPECT_EQ(show_trust_list(data, fixed_options()).text,
            show_trust_list(data, fixed_options()).text);
}

TEST(ShowItl, prints_header_facts_like_cucm) {
  const bytes data = serialise(seed_itl());
  const show_report r = show_trust_list(data, fixed_options());
  EXPECT_TRUE(r.parsed);
  EXPECT_TRUE(r.verified);
  EXPECT_NE(r.text.find(to_hex(md5(data)) + "(MD5)\n"), std::string::npos);
  EXPECT_NE(r.text.find(to_hex(sha1(data)) + "(SHA1)\n"), std::string::npos);
  EXPECT_NE(r.text.find("Length of ITL file: " + std::to_string(data.size()) + "\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("The ITL File was last modified on Wed Feb 26 18:24:27 UTC 2014\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("Version: 1.2\nHeaderLength: 324 (BYTES)\n"), std::string::npos);
  EXPECT_NE(
      r.text.find("5 SERIALNUMBER 16 " + to_hex(seed_ids().callmanager.cert.serial(), ":", true)),
      std::string::npos);
  EXPECT_EQ(count(r.text, "ITL Record #:"), 6u);
}

TEST(ShowItl, leaves_out_the_modified_line_when_the_time_is_unknown) {
  const show_report r = show_trust_list(serialise(seed_itl()));
  EXPECT_EQ(r.text.find("last modified"), std::string::npos);
}

TEST(ShowItl, etoken_line_is_on_the_signing_sast_record_only) {
  const std::vector<std::string> blocks =
      record_blocks(show_trust_list(serialise(seed_itl())).text);
  ASSERT_EQ(blocks.size(), 6u);
  EXPECT_EQ(count(blocks[0], "This etoken was used to sign the ITL file."), 1u);
  EXPECT_EQ(count(blocks[4], "This etoken was not used to sign the ITL file."), 1u);
  for (std::size_t i : {1, 2, 3, 5}) EXPECT_EQ(count(blocks[i], "etoken"), 0u) << i + 1;
}

TEST(ShowItl, etoken_line_moves_to_itl_recovery_after_a_reset) {
  const show_report r = show_trust_list(serialise(reset_itl()));
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(count(r.text, "This etoken was used to sign the ITL file."), 1u);
  const std::vector<std::string> blocks = record_blocks(r.text);
  ASSERT_EQ(blocks.size(), 6u);
  EXPECT_EQ(count(blocks[0], "This etoken was not used to sign the ITL file."), 1u);
  EXPECT_EQ(count(blocks[4], "This etoken was used to sign the ITL file."), 1u);
  // The ITLRecovery signer name is 66 bytes (the seed's): the header grows from 324 to 344.
  EXPECT_NE(r.text.find("HeaderLength: 344 (BYTES)"), std::string::npos);
}

TEST(ShowItl, ends_with_verified_successfully) {
  const show_report r = show_trust_list(serialise(seed_itl()));
  EXPECT_EQ(last_line(r.text), "The ITL file was verified successfully.");
}

TEST(ShowItl, tampered_file_is_parsed_but_not_verified) {
  bytes data = serialise(seed_itl());
  data[data.size() - 40] ^= 0x01;  // inside the last record's certificate signature
  const show_report r = show_trust_list(data);
  EXPECT_TRUE(r.parsed);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(last_line(r.text).rfind("The ITL file was not verified", 0), 0u) << last_line(r.text);
  EXPECT_EQ(r.text.find("verified successfully"), std::string::npos);
  EXPECT_NE(r.json.find("\"verified\": false"), std::string::npos);
}

TEST(ShowItl, file_signed_by_a_stranger_names_no_signing_etoken) {
  trust_file f = seed_itl();
  const identity stranger = test::seed_factory().make(cert_purpose::callmanager, "intruder.lab");
  sign_with(f, stranger, seed_reset_at);
  const show_report r = show_trust_list(serialise(f));
  EXPECT_TRUE(r.parsed);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(count(r.text, "was used to sign"), 0u);
  EXPECT_EQ(count(r.text, "was not used to sign"), 2u);
}

TEST(ShowItl, malformed_file_reports_where_and_what_was_expected) {
  const bytes full = serialise(seed_itl());
  const std::vector<bytes> broken = {
      bytes(full.begin(), full.begin() + 3000),  // truncated inside a record
      bytes(full.begin(), full.begin() + 100),   // truncated inside the header
      bytes{},
      to_bytes("this is not an ITL"),
  };
  for (const bytes& data : broken) {
    const show_report r = show_trust_list(data);
    EXPECT_FALSE(r.parsed);
    EXPECT_FALSE(r.verified);
    const auto parsed = parse_trust_list(data);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(r.text.find("could not be parsed: " + parsed.err().to_string()), std::string::npos)
        << r.text;
    EXPECT_NE(r.text.find("byte "), std::string::npos);
    EXPECT_NE(r.text.find("expected"), std::string::npos);
    EXPECT_NE(r.json.find("\"parsed\": false"), std::string::npos);
    EXPECT_NE(r.json.find("\"error\": "), std::string::npos);
  }
}

TEST(ShowItl, json_has_the_same_facts_as_the_text) {
  const bytes data = serialise(seed_itl());
  const show_report r = show_trust_list(data, fixed_options());
  const std::string& j = r.json;
  for (const std::string& fact : {
           std::string("\"length\": ") + std::to_string(data.size()),
           "\"sha1\": \"" + to_hex(sha1(data)) + "\"",
           "\"md5\": \"" + to_hex(md5(data)) + "\"",
           std::string("\"parsed\": true"),
           std::string("\"verified\": true"),
           std::string("\"header_length\": 324"),
           std::string("\"version\": \"1.2\""),
           "\"name\": \"" + seed_ids().callmanager.cert.subject() + "\"",
           "\"serial\": \"" + to_hex(seed_ids().callmanager.cert.serial(), ":", true) + "\"",
           std::string("\"digest\": \"SHA-1\""),
           std::string("\"filename\": \"ITLFile.tlv\""),
           std::string("\"timestamp\": ") + std::to_string(seed_built_at),
           std::string("\"signer_record\": 1"),
           std::string("\"function_name\": \"System Administrator Security Token\""),
           std::string("\"function_name\": \"TVS\""),
           std::string("\"length\": 439"),
           "\"certificate_sha1\": \"" + to_hex(seed_ids().capf.cert.sha1()) + "\"",
       }) {
    EXPECT_NE(j.find(fact), std::string::npos) << fact << "\n" << j;
  }
  EXPECT_EQ(count(j, "\"index\": "), 6u);
  EXPECT_EQ(count(j, "\"signed_this_file\": true"), 1u);
  EXPECT_EQ(count(j, "\"signed_this_file\": false"), 5u);
}

TEST(ShowItl, ctl_files_are_labelled_ctl) {
  show_options o;
  o.file_label = "CTL";
  const show_report r = show_trust_list(serialise(seed_itl()), o);
  EXPECT_NE(r.text.find("The checksum value of the CTL file:"), std::string::npos);
  EXPECT_NE(r.text.find("CTL Record #:1"), std::string::npos);
  EXPECT_EQ(r.text.find("ITL Record"), std::string::npos);
  EXPECT_EQ(last_line(r.text), "The CTL file was verified successfully.");
}

}  // namespace
}  // namespace itlfleet::sim
