#include "itlfleet/net/tftp_packet.hpp"

#include <cstdint>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace itlfleet::net {
namespace {

bytes raw(std::string_view s) {
  return bytes(s.begin(), s.end());
}

/// The bytes of a string literal, embedded NULs included, without the final NUL.
template <std::size_t N>
bytes lit(const char (&s)[N]) {
  return bytes(s, s + N - 1);
}

/// Parses and expects an error mentioning `needle`.
void expect_error(const bytes& d, std::string_view needle) {
  auto p = parse_tftp_packet(d);
  ASSERT_FALSE(p.ok()) << "parsed: " << std::string(d.begin(), d.end());
  EXPECT_NE(p.err().message.find(needle), std::string::npos) << p.err().to_string();
}

template <class T>
T parse_as(const bytes& d) {
  auto p = parse_tftp_packet(d);
  EXPECT_TRUE(p.ok()) << p.err().to_string();
  EXPECT_TRUE(std::holds_alternative<T>(*p));
  return std::get<T>(*p);
}

TEST(TftpPacket, plain_rrq_as_a_phone_sends_it) {
  auto req = parse_as<tftp_request>(lit("\0\1ITLFile.tlv\0octet\0"));
  EXPECT_EQ(req.opcode, tftp_opcode::rrq);
  EXPECT_EQ(req.filename, "ITLFile.tlv");
  EXPECT_EQ(req.mode, tftp_mode::octet);
  EXPECT_TRUE(req.options.empty());
  EXPECT_TRUE(req.unknown_options.empty());
}

TEST(TftpPacket, request_round_trips_with_all_options) {
  tftp_request req{tftp_opcode::wrq,
                   "SEP001122334455.cnf.xml",
                   tftp_mode::netascii,
                   tftp_options{1468, 0, 3},
                   {{"x-extra", "yes"}}};
  const bytes wire = encode_tftp_packet(req);
  EXPECT_EQ(parse_as<tftp_request>(wire), req);
}

TEST(TftpPacket, every_other_packet_round_trips) {
  const bytes payload = raw("hello block");
  const std::vector<tftp_packet> packets{
      tftp_data{7, payload},
      tftp_data{65535, {}},
      tftp_ack{0},
      tftp_ack{65535},
      tftp_error{1, "File not found"},
      tftp_error{42, ""},
      tftp_oack{tftp_options{512, 5302, std::nullopt}, {}},
      tftp_oack{},
  };
  for (const auto& p : packets) {
    const bytes wire = encode_tftp_packet(p);
    auto back = parse_tftp_packet(wire);
    ASSERT_TRUE(back.ok()) << back.err().to_string();
    EXPECT_EQ(*back, p);
  }
}

TEST(TftpPacket, data_header_and_ack_helpers_match_the_encoder) {
  const auto h = tftp_data_header(0x1234);
  EXPECT_EQ(bytes(h.begin(), h.end()), encode_tftp_packet(tftp_data{0x1234, {}}));
  const auto a = tftp_ack_packet(0xBEEF);
  EXPECT_EQ(bytes(a.begin(), a.end()), encode_tftp_packet(tftp_ack{0xBEEF}));
}

TEST(TftpPacket, option_names_and_mode_are_case_insensitive) {
  auto req =
      parse_as<tftp_request>(lit("\0\1f\0OcTeT\0BLKSIZE\0001024\0TSize\0000\0Timeout\0002\0"));
  EXPECT_EQ(req.mode, tftp_mode::octet);
  EXPECT_EQ(req.options.blksize, 1024);
  EXPECT_EQ(req.options.tsize, 0u);
  EXPECT_EQ(req.options.timeout, 2);
  EXPECT_EQ(parse_as<tftp_request>(lit("\0\1f\0NETASCII\0")).mode, tftp_mode::netascii);
  EXPECT_EQ(parse_as<tftp_request>(lit("\0\1f\0Mail\0")).mode, tftp_mode::mail);
}

TEST(TftpPacket, unknown_options_are_kept_lower_cased) {
  auto req = parse_as<tftp_request>(lit("\0\1f\0octet\0UTimeout\0005000\0"));
  ASSERT_EQ(req.unknown_options.size(), 1u);
  EXPECT_EQ(req.unknown_options[0].name, "utimeout");
  EXPECT_EQ(req.unknown_options[0].value, "5000");
}

TEST(TftpPacket, error_message_without_nul_is_accepted) {
  auto e = parse_as<tftp_error>(lit("\0\5\0\1gone"));
  EXPECT_EQ(e.code, 1);
  EXPECT_EQ(e.message, "gone");
}

TEST(TftpPacket, blksize_range_limits_are_accepted) {
  EXPECT_EQ(parse_as<tftp_request>(lit("\0\1f\0octet\0blksize\0008\0")).options.blksize, 8);
  EXPECT_EQ(parse_as<tftp_request>(lit("\0\1f\0octet\0blksize\00065464\0")).options.blksize, 65464);
}

TEST(TftpPacket, malformed_packets_are_errors) {
  expect_error({}, "truncated");
  expect_error({0}, "truncated");
  expect_error(lit("\0\7abc"), "unknown opcode");
  expect_error(lit("\0\0"), "unknown opcode");
  expect_error(lit("\xff\xff"), "unknown opcode");
  expect_error(lit("\0\3\0"), "truncated DATA");
  expect_error(lit("\0\4\0"), "truncated ACK");
  expect_error(lit("\0\4\0\1\0"), "trailing");
  expect_error(lit("\0\5\0"), "truncated ERROR");
  // Requests: missing NULs, empty fields, bad modes.
  expect_error(lit("\0\1"), "filename is not NUL");
  expect_error(lit("\0\1file"), "filename is not NUL");
  expect_error(lit("\0\1file\0oct"), "mode is not NUL");
  expect_error(lit("\0\1file\0"), "mode is not NUL");
  expect_error(lit("\0\1\0octet\0"), "empty filename");
  expect_error(lit("\0\1f\0binary\0"), "unknown mode");
  expect_error(lit("\0\1f\0octet\0blksize"), "not NUL");
  expect_error(lit("\0\1f\0octet\0blksize\0"), "no value");
  expect_error(lit("\0\1f\0octet\0blksize\0005"), "not NUL");
  expect_error(lit("\0\1f\0octet\0\0001\0"), "empty option name");
  expect_error(lit("\0\6blksize\0"), "no value");
}

TEST(TftpPacket, bad_option_values_are_errors) {
  auto with = [](std::string name, std::string value) {
    std::string s("\0\1f\0octet\0", 10);
    s += name + '\0' + value + '\0';
    return raw(s);
  };
  expect_error(with("blksize", "7"), "8..65464");
  expect_error(with("blksize", "65465"), "8..65464");
  expect_error(with("blksize", ""), "8..65464");
  expect_error(with("blksize", "-512"), "8..65464");
  expect_error(with("blksize", " 512"), "8..65464");
  expect_error(with("blksize", "512x"), "8..65464");
  expect_error(with("blksize", "99999999999999999999999"), "8..65464");
  expect_error(with("timeout", "0"), "1..255");
  expect_error(with("timeout", "256"), "1..255");
  expect_error(with("tsize", "abc"), "decimal");
  expect_error(with("tsize", "18446744073709551616"), "decimal");
  expect_error(lit("\0\1f\0octet\0blksize\000512\0BlkSize\0001024\0"), "duplicate");
  expect_error(lit("\0\1f\0octet\0x\0001\0X\0002\0"), "duplicate");
  expect_error(lit("\0\6timeout\0000\0"), "1..255");
}

/// A malformed RRQ for "f" whose `field` (the mode, an option name without
/// a value, a blksize value) is 60,000 bytes of 'x'.
bytes rrq_with_huge(std::string_view field) {
  const std::string huge(60000, 'x');
  std::string s("\0\1f\0", 4);
  if (field == "mode") s += huge + std::string(1, '\0');
  if (field == "name") s += std::string("octet\0", 6) + huge + std::string(1, '\0');
  if (field == "value") s += std::string("octet\0blksize\0", 14) + huge + std::string(1, '\0');
  return bytes(s.begin(), s.end());
}

TEST(TftpPacket, errors_quote_a_peers_text_cut_to_64_bytes_with_its_length) {
  for (const char* field : {"mode", "name", "value"}) {
    auto p = parse_tftp_packet(rrq_with_huge(field));
    ASSERT_FALSE(p.ok()) << field;
    const std::string& m = p.err().message;
    EXPECT_LE(m.size(), 160u) << field << ": " << m.substr(0, 200);
    EXPECT_NE(m.find(std::string(64, 'x') + "...(60000 bytes)"), std::string::npos) << m;
    EXPECT_EQ(m.find(std::string(65, 'x')), std::string::npos) << m;
  }
}

TEST(TftpPacket, quoted_peer_text_is_whole_up_to_the_limit_and_never_splits_a_character) {
  EXPECT_EQ(quote_peer_text(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(quote_peer_text(std::string(65, 'a')), std::string(64, 'a') + "...(65 bytes)");
  // 63 ASCII bytes, then a 2-byte character across the cut: it goes whole.
  const std::string across = std::string(63, 'a') + "\xC3\xA9" + "zz";
  EXPECT_EQ(quote_peer_text(across), std::string(63, 'a') + "...(67 bytes)");
}

TEST(TftpPacket, oversized_datagram_is_an_error) {
  bytes big(tftp_max_packet + 1, 'a');
  big[0] = 0;
  big[1] = 3;
  expect_error(big, "oversized");
  big.pop_back();
  EXPECT_EQ(parse_as<tftp_data>(big).payload.size(), tftp_max_blksize);
}

TEST(TftpPacket, encoder_cuts_strings_at_nul) {
  const bytes wire = encode_tftp_packet(tftp_error{0, std::string("ab\0cd", 5)});
  EXPECT_EQ(wire, lit("\0\5\0\0ab\0"));
}

TEST(TftpPacket, random_and_mutated_input_never_crashes) {
  std::mt19937_64 rng(20240611);
  const bytes seeds[] = {
      lit("\0\1ITLFile.tlv\0octet\0blksize\0001468\0tsize\0000\0"),
      encode_tftp_packet(tftp_data{1, raw("payload")}),
      encode_tftp_packet(tftp_error{1, "File not found"}),
      encode_tftp_packet(tftp_oack{tftp_options{1024, 99, 1}, {}}),
  };
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes d = seeds[rng() % std::size(seeds)];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !d.empty(); ++e) {
      switch (rng() % 3) {
        case 0:
          d[rng() % d.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          d.resize(rng() % d.size());
          break;
        default:
          d.insert(d.begin() + static_cast<std::ptrdiff_t>(rng() % (d.size() + 1)),
                   static_cast<std::uint8_t>(rng() % 4 == 0 ? 0 : rng()));
      }
    }
    auto p = parse_tftp_packet(d);
    if (!p) continue;
    ++parsed;
    // Whatever parses re-encodes to something that parses to the same packet.
    const bytes again = encode_tftp_packet(*p);
    auto q = parse_tftp_packet(again);
    ASSERT_TRUE(q.ok()) << q.err().to_string();
    EXPECT_EQ(*q, *p);
  }
  EXPECT_GT(parsed, 100u);
}

}  // namespace
}  // namespace itlfleet::net
