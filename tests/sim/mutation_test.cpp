// Randomised mutation test of the trust-file parsers: whatever the bytes, a
// parse either fails with an offset inside the input, or succeeds and writes
// the input back byte for byte.
//
// The seed is fixed so CI runs are reproducible; set ITLFLEET_MUTATION_SEED to
// a number to replay or explore another run ("random" picks one and prints it),
// and ITLFLEET_MUTATION_COUNT to change the number of mutants per file.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {
namespace {

constexpr std::uint64_t default_seed = 0x17'1f'1e'e7'00'00'5302;
constexpr std::size_t default_mutants = 10000;

std::uint64_t mutation_seed() {
  const char* env = std::getenv("ITLFLEET_MUTATION_SEED");
  if (env == nullptr || *env == '\0') return default_seed;
  if (std::string_view(env) == "random") {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) | rd();
  }
  return std::strtoull(env, nullptr, 0);
}

std::size_t mutant_count() {
  const char* env = std::getenv("ITLFLEET_MUTATION_COUNT");
  if (env == nullptr || *env == '\0') return default_mutants;
  return static_cast<std::size_t>(std::strtoull(env, nullptr, 0));
}

bytes filler(std::size_t n, std::uint8_t salt) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + salt);
  return b;
}

record make_record(const std::string& name, std::uint8_t role, std::size_t key, bool hash_only) {
  record r;
  r.fields = {
      {record_tag::dns_name, bytes{0, 0}},
      {record_tag::subject_name, to_bytes(name, true)},
      {record_tag::function, bytes{0, role}},
      {record_tag::issuer_name, to_bytes(name, true)},
      {record_tag::serial_number, filler(16, role)},
      {record_tag::public_key, filler(key, 1)},
      {record_tag::signature, filler(key - 12, 2)},
  };
  if (hash_only) {
    r.fields.push_back({record_tag::cert_hash, filler(20, 3)});
    r.fields.push_back({record_tag::hash_algorithm, bytes{1}});
  } else {
    r.fields.push_back({record_tag::certificate, filler(600, 4)});
  }
  return r;
}

file_header make_header(const std::string& signer, const std::string& filename) {
  file_header h;
  h.signer = {to_bytes(signer, true), filler(16, 0), to_bytes(signer, true)};
  h.signature = filler(128, 9);
  h.filename = to_bytes(filename, true);
  h.timestamp = 1393439067;
  canonical_layout(h);
  return h;
}

/// A CUCM-like ITL of six records, about 5 KB.
bytes sample_itl() {
  const std::string pub = "CN=pub.example.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
  trust_file f;
  f.header = make_header(pub, "ITLFile.tlv");
  f.records = {make_record(pub, 0, 140, false),
               make_record(pub, 3, 140, false),
               make_record("CN=CAPF-1;O=cisco", 4, 140, true),
               make_record(pub, 21, 140, true),
               make_record("CN=ITLRECOVERY_pub;O=cisco", 0, 140, false),
               make_record("CN=sub.example.lab;O=cisco", 21, 270, true)};
  return serialise(f);
}

/// An ITL as other tools write it: SIGNER_VERSION, SHA-512, odd header order,
/// a host name in DNSNAME.
bytes sample_third_party_itl() {
  const std::string name = "CN=signer,O=Example,C=DE";
  trust_file f;
  f.header = make_header(name, "ITLSEP001122334455.tlv");
  f.header.digest = digest_algorithm::sha512;
  f.header.signer_version = std::array<std::uint8_t, 2>{1, 1};
  f.header.layout = {
      header_tag::version,        header_tag::header_length, header_tag::timestamp,
      header_tag::signer_id,      header_tag::padding,       header_tag::filename,
      header_tag::signature_info, header_tag::signature,     header_tag::signer_version};
  f.header.header_length = static_cast<std::uint16_t>(header_size(f.header));
  record r = make_record(name, 2, 270, false);
  r.fields[0].value = to_bytes("cucm.example.com", true);
  f.records = {r, make_record(name, 21, 140, false)};
  return serialise(f);
}

bytes sample_signed_file() {
  trust_file f;
  f.kind = file_kind::signed_file;
  f.header = make_header("CN=pub;O=cisco", "SEP001122334455.cnf.xml.sgn");
  f.header.version_minor = 0;
  canonical_layout(f.header);
  f.payload = to_bytes("<device><devicePool><name>Default</name></devicePool></device>\n");
  return serialise(f);
}

/// Offsets of every 16-bit length field (and RECORDLENGTH value) of a valid
/// file, found without the parser under test: the places where a corrupted
/// byte hurts most.
std::vector<std::size_t> length_fields(const bytes& d, bool has_records) {
  std::vector<std::size_t> out{1, 6, 8};
  const auto walk = [&](auto&& self, std::size_t pos, std::size_t end) -> void {
    while (pos < end) {
      const std::uint8_t tag = d[pos];
      if (tag == 13) {  // PADDING has no length
        ++pos;
        continue;
      }
      out.push_back(pos + 1);
      const std::size_t len = get_u16(&d[pos + 1]);
      if (tag == 3 || tag == 7 || tag == 9) self(self, pos + 3, pos + 3 + len);
      pos += 3 + len;
    }
  };
  const std::size_t header_length = get_u16(&d[8]);
  walk(walk, 10, header_length);
  if (!has_records) return out;
  for (std::size_t pos = header_length; pos < d.size();) {
    const std::size_t len = get_u16(&d[pos + 3]);
    out.push_back(pos + 1);
    out.push_back(pos + 3);
    std::size_t at = pos + 5;
    while (at < pos + len) {
      out.push_back(at + 1);
      at += 3 + get_u16(&d[at + 1]);
    }
    pos += len;
  }
  return out;
}

class mutator {
 public:
  mutator(std::uint64_t seed, const bytes& original, std::vector<std::size_t> length_fields)
      : rng_(seed), original_(original), length_fields_(std::move(length_fields)) {}

  bytes next() {
    bytes m = original_;
    const int ops = pick(1, 4);
    for (int i = 0; i < ops; ++i) mutate(m);
    return m;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::size_t index(std::size_t size) {
    return std::uniform_int_distribution<std::size_t>(0, size - 1)(rng_);
  }
  std::uint8_t any_byte() { return static_cast<std::uint8_t>(pick(0, 255)); }

  std::uint8_t interesting_byte() {
    // Tag values, the padding byte and boundary values.
    static constexpr std::array<std::uint8_t, 22> values{
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 28, 0x7F, 0x80, 0xFE, 0xFF};
    return values[index(values.size())];
  }

  void mutate(bytes& m) {
    if (m.empty()) {
      m.push_back(any_byte());
      return;
    }
    switch (pick(0, 9)) {
      case 0:  // bit flip
        m[index(m.size())] ^= static_cast<std::uint8_t>(1u << pick(0, 7));
        return;
      case 1:
        m[index(m.size())] = any_byte();
        return;
      case 2:
        m[index(m.size())] = interesting_byte();
        return;
      case 3:  // truncation
        m.resize(index(m.size() + 1));
        return;
      case 4: {  // insertion
        const std::size_t at = index(m.size() + 1);
        const int n = pick(1, 8);
        bytes ins(static_cast<std::size_t>(n));
        for (auto& b : ins) b = pick(0, 1) ? any_byte() : interesting_byte();
        m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        return;
      }
      case 5: {  // deletion
        const std::size_t at = index(m.size());
        const std::size_t n =
            std::min<std::size_t>(m.size() - at, static_cast<std::size_t>(pick(1, 16)));
        m.erase(m.begin() + static_cast<std::ptrdiff_t>(at),
                m.begin() + static_cast<std::ptrdiff_t>(at + n));
        return;
      }
      case 6: {  // duplicate a chunk elsewhere: repeated elements
        const std::size_t from = index(m.size());
        const std::size_t n =
            std::min<std::size_t>(m.size() - from, static_cast<std::size_t>(pick(1, 64)));
        const bytes chunk(m.begin() + static_cast<std::ptrdiff_t>(from),
                          m.begin() + static_cast<std::ptrdiff_t>(from + n));
        const std::size_t at = index(m.size() + 1);
        m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), chunk.begin(), chunk.end());
        return;
      }
      default:
        corrupt_length(m);
        return;
    }
  }

  void corrupt_length(bytes& m) {
    const std::size_t at = length_fields_[index(length_fields_.size())];
    if (at + 2 > m.size()) return;
    const int old = get_u16(&m[at]);
    int v = 0;
    switch (pick(0, 6)) {
      case 0:
        v = old + pick(1, 4);
        break;
      case 1:
        v = old - pick(1, 4);
        break;
      case 2:
        v = 0;
        break;
      case 3:
        v = 0xFFFF;
        break;
      case 4:
        v = static_cast<int>(m.size() - at);  // runs exactly to the end of the file
        break;
      case 5:
        v = old * 2;
        break;
      default:
        v = pick(0, 0xFFFF);
        break;
    }
    const auto u = static_cast<std::uint16_t>(v);
    m[at] = static_cast<std::uint8_t>(u >> 8);
    m[at + 1] = static_cast<std::uint8_t>(u);
  }

  std::mt19937_64 rng_;
  const bytes& original_;
  std::vector<std::size_t> length_fields_;
};

struct outcome {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};

/// Checks the parse contract on one input; returns whether parse succeeded.
bool check(const result<trust_file>& r, const bytes& m, std::size_t n) {
  if (r.ok()) {
    const bytes again = serialise(*r);
    EXPECT_EQ(again, m) << "mutant " << n << " (" << m.size()
                        << " bytes) does not roundtrip: " << to_hex(m);
    return true;
  }
  const error& e = r.err();
  EXPECT_TRUE(e.offset.has_value()) << "mutant " << n << ": " << e.message;
  if (e.offset) {
    EXPECT_LE(*e.offset, m.size()) << "mutant " << n << ": " << e.to_string();
  }
  EXPECT_EQ(e.message.rfind("expected", 0), 0u) << "mutant " << n << ": " << e.message;
  return false;
}

outcome run_mutants(const bytes& original, bool has_records, std::uint64_t seed) {
  mutator mut(seed, original, length_fields(original, has_records));
  outcome out;
  const std::size_t count = mutant_count();
  for (std::size_t n = 0; n < count; ++n) {
    const bytes m = mut.next();
    // Each parser must hold its contract on any input, including the other kind's.
    const auto as_list = parse_trust_list(m);
    const bool list_ok = check(as_list, m, n);
    const bool signed_ok = check(parse_signed_file(m), m, n);
    if (list_ok) {
      EXPECT_LE(m.size(), max_trust_file_size);
      EXPECT_FALSE(as_list->records.empty());
    }
    ((has_records ? list_ok : signed_ok) ? out.accepted : out.rejected)++;
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "stopping at mutant " << n << " of seed " << seed;
      break;
    }
  }
  return out;
}

void run(const char* name, const bytes& original, bool has_records) {
  const std::uint64_t seed = mutation_seed();
  SCOPED_TRACE("ITLFLEET_MUTATION_SEED=" + std::to_string(seed));
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  // The original must itself be valid, or every mutant's verdict is noise.
  ASSERT_TRUE(has_records ? parse_trust_list(original).ok() : parse_signed_file(original).ok());
  const outcome o = run_mutants(original, has_records, seed);
  ::testing::Test::RecordProperty("accepted", std::to_string(o.accepted));
  ::testing::Test::RecordProperty("rejected", std::to_string(o.rejected));
  std::printf("[ mutation ] %s: seed %llu, %zu mutants accepted, %zu rejected\n", name,
              static_cast<unsigned long long>(seed), o.accepted, o.rejected);
  // Both outcomes must occur for the run to have tested anything.
  if (mutant_count() >= 1000) {
    EXPECT_GT(o.accepted, 0u);
    EXPECT_GT(o.rejected, 0u);
  }
}

TEST(Mutation, cucm_itl_mutants_parse_or_fail_cleanly) {
  run("cucm itl", sample_itl(), true);
}

TEST(Mutation, third_party_itl_mutants_parse_or_fail_cleanly) {
  run("third-party itl", sample_third_party_itl(), true);
}

TEST(Mutation, signed_file_mutants_parse_or_fail_cleanly) {
  run("signed file", sample_signed_file(), false);
}

TEST(Mutation, length_field_walker_finds_every_element) {
  // Guards the mutator: the walker must agree with the file's structure.
  const bytes d = sample_itl();
  const auto fields = length_fields(d, true);
  // 3 fixed + SIGNERID(1+3) + SIGNATUREINFO(1+2+2) + SIGNATURE + FILENAME + TIMESTAMP
  // + per record: RECORDLENGTH length and value + 8 or 9 fields.
  EXPECT_EQ(fields.size(), 3u + 4 + 5 + 3 + 3 * (2 + 8) + 3 * (2 + 9));
}

}  // namespace
}  // namespace itlfleet::sim
