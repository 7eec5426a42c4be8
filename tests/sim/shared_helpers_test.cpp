// The small helpers every library needs live once, in sim (the library all
// others link): failure() in result.hpp; iequals, to_lower and to_hex in
// bytes.hpp. A scan of the sources keeps copies from coming back.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet {
namespace {

TEST(SharedHelpers, failure_is_an_error_without_a_byte_offset) {
  const error e = failure("no such node");
  EXPECT_EQ(e.message, "no such node");
  EXPECT_FALSE(e.offset);
  EXPECT_EQ(e.to_string(), "no such node");
}

TEST(SharedHelpers, case_folding_is_ascii_only) {
  EXPECT_TRUE(iequals("ITLFile.tlv", "itlfile.TLV"));
  EXPECT_FALSE(iequals("ITLFile.tlv", "ITLFile.tl"));
  EXPECT_EQ(to_lower("CUCM-Pub.Example.LAB"), "cucm-pub.example.lab");
  EXPECT_EQ(to_lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89")
      << "bytes above 0x7F stay as they are";
}

/// Source files of every library and the command line.
std::vector<std::filesystem::path> sources() {
  std::vector<std::filesystem::path> out;
  for (const char* dir : {"sim", "metrics", "app", "engine", "net", "scenarios", "host", "sweep"}) {
    const auto root = std::filesystem::path(ITLFLEET_SOURCE_DIR) / dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      const auto ext = entry.path().extension();
      if (ext == ".cpp" || ext == ".hpp") out.push_back(entry.path());
    }
  }
  return out;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SharedHelpers, are_defined_once_in_every_library) {
  struct helper {
    const char* what;
    std::regex definition;  ///< a definition (with its body), not a declaration
    const char* home;       ///< the one file allowed to define it
  };
  const helper helpers[] = {
      {"failure()", std::regex(R"(\berror\s+failure\s*\([^)]*\)\s*\{)"),
       "sim/include/itlfleet/sim/result.hpp"},
      {"iequals()", std::regex(R"(\bbool\s+iequals\s*\([^)]*\)\s*\{)"), "sim/src/bytes.cpp"},
      {"a hex digit table", std::regex(R"("0123456789abcdef)", std::regex::icase),
       "sim/src/bytes.cpp"},
      {"lower-casing with std::tolower", std::regex(R"(std::tolower)"), "sim/src/bytes.cpp"},
  };
  const auto files = sources();
  ASSERT_GT(files.size(), 50u) << "the scan found no sources under " << ITLFLEET_SOURCE_DIR;
  for (const auto& file : files) {
    const std::string text = read(file);
    const std::string rel = std::filesystem::relative(file, ITLFLEET_SOURCE_DIR).generic_string();
    for (const helper& h : helpers) {
      if (rel == h.home) continue;
      EXPECT_FALSE(std::regex_search(text, h.definition))
          << rel << " defines its own " << h.what << "; use the one in " << h.home;
    }
  }
}

}  // namespace
}  // namespace itlfleet
