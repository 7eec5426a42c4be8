#include "itlfleet/net/tvs_message.hpp"

#include <gtest/gtest.h>

#include <random>

namespace itlfleet::net {
namespace {

tvs_message verify_request() {
  tvs_message m;
  m.command = tvs_command::verify_request;
  m.session_id = 0x01020304;
  m.device_name = "CP-8861-SEP001E7A000001";
  m.certificate = bytes{0x30, 0x82, 0x01, 0x00, 0xAA};
  return m;
}

tvs_message query_request() {
  tvs_message m;
  m.command = tvs_command::query_request;
  m.session_id = 7;
  m.device_name = "CP-7965-SEP001E7A000002";
  m.subject = "CN=cucm-pub;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
  m.issuer = "CN=cucm-pub;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
  m.serial = bytes{0x6E, 0x00, 0x12};
  return m;
}

bytes encode(const tvs_message& m) {
  auto r = encode_tvs_message(m);
  EXPECT_TRUE(r.ok()) << (r ? "" : r.err().to_string());
  return r ? *r : bytes{};
}

std::string parse_error_of(const bytes& wire) {
  auto r = parse_tvs_message(wire);
  return r ? std::string("parsed") : r.err().to_string();
}

/// Header + raw payload, with the payload length computed.
bytes frame(std::uint8_t command, const bytes& payload) {
  bytes out{0x57, 1, command, 0, 0, 0, 0, 9};
  put_u16(out, static_cast<std::uint16_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

TEST(TvsMessage, verify_request_round_trips_with_the_documented_bytes) {
  const bytes wire = encode(verify_request());
  // Header: id, version, command, reserved, session id, payload length.
  ASSERT_GE(wire.size(), tvs_header_size);
  EXPECT_EQ(wire[0], 0x57);
  EXPECT_EQ(wire[1], 1);
  EXPECT_EQ(wire[2], 1);
  EXPECT_EQ(wire[3], 0);
  EXPECT_EQ(get_u32(wire.data() + 4), 0x01020304u);
  EXPECT_EQ(get_u16(wire.data() + 8), wire.size() - tvs_header_size);
  // Device name: tag 1, length 24, 0x01 then the name.
  EXPECT_EQ(wire[10], 1);
  EXPECT_EQ(get_u16(wire.data() + 11), 24);
  EXPECT_EQ(wire[13], 0x01);
  EXPECT_EQ(std::string(wire.begin() + 14, wire.begin() + 37), "CP-8861-SEP001E7A000001");
  // Certificate: tag 2.
  EXPECT_EQ(wire[37], 2);
  EXPECT_EQ(get_u16(wire.data() + 38), 5);

  auto back = parse_tvs_message(wire);
  ASSERT_TRUE(back.ok()) << back.err().to_string();
  EXPECT_EQ(*back, verify_request());
}

TEST(TvsMessage, query_request_and_responses_round_trip) {
  tvs_message valid;
  valid.command = tvs_command::query_response;
  valid.session_id = 7;
  valid.status = tvs_status::valid;
  valid.roles = bytes{0, 3};
  valid.ttl = 86400;
  valid.certificate = bytes{1, 2, 3};
  tvs_message invalid;
  invalid.command = tvs_command::verify_response;
  invalid.status = tvs_status::invalid;
  for (const auto& m : {query_request(), valid, invalid}) {
    auto back = parse_tvs_message(encode(m));
    ASSERT_TRUE(back.ok()) << back.err().to_string();
    EXPECT_EQ(*back, m);
  }
}

TEST(TvsMessage, query_elements_use_tags_3_5_6_with_nul_terminated_names) {
  const bytes wire = encode(query_request());
  auto r = parse_tvs_message(wire);
  ASSERT_TRUE(r.ok());
  // Walk the elements and collect the tags.
  std::vector<std::uint8_t> tags;
  for (std::size_t pos = tvs_header_size; pos < wire.size();) {
    tags.push_back(wire[pos]);
    const auto len = get_u16(wire.data() + pos + 1);
    if (wire[pos] == tvs_tag::subject) {
      EXPECT_EQ(wire[pos + 3 + len - 1], 0);
    }
    pos += 3u + len;
  }
  EXPECT_EQ(tags, (std::vector<std::uint8_t>{1, 3, 5, 6}));
}

TEST(TvsMessage, elements_in_any_order_and_unknown_tags_are_accepted) {
  bytes payload{tvs_tag::ttl,
                0,
                4,
                0,
                1,
                0x51,
                0x80,  // 86400
                42,
                0,
                2,
                0xDE,
                0xAD,  // unknown tag 42
                tvs_tag::status,
                0,
                1,
                0};
  auto r = parse_tvs_message(frame(2, payload));
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(r->ttl, 86400u);
  EXPECT_EQ(r->status, tvs_status::valid);
  EXPECT_EQ(r->session_id, 9u);
}

TEST(TvsMessage, strings_without_nul_and_names_without_prefix_are_accepted) {
  bytes payload{tvs_tag::subject, 0, 2, 'C', 'N', tvs_tag::device_name, 0, 3, 'S', 'E', 'P'};
  auto r = parse_tvs_message(frame(3, payload));
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(r->subject, "CN");
  EXPECT_EQ(r->device_name, "SEP");
}

TEST(TvsMessage, truncated_header_is_an_error) {
  const bytes wire = encode(verify_request());
  for (std::size_t n = 0; n < tvs_header_size; ++n) {
    auto r = parse_tvs_message(byte_view(wire).subspan(0, n));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("truncated header"), std::string::npos);
  }
}

TEST(TvsMessage, wrong_protocol_id_version_or_command_is_an_error) {
  bytes wire = encode(verify_request());
  wire[0] = 0x58;
  EXPECT_NE(parse_error_of(wire).find("protocol id"), std::string::npos);
  wire = encode(verify_request());
  wire[1] = 2;
  EXPECT_NE(parse_error_of(wire).find("version"), std::string::npos);
  wire = encode(verify_request());
  wire[2] = 9;
  EXPECT_NE(parse_error_of(wire).find("unknown command"), std::string::npos);
}

TEST(TvsMessage, payload_length_mismatch_is_an_error) {
  bytes wire = encode(verify_request());
  wire.push_back(0);  // one byte more than announced
  EXPECT_NE(parse_error_of(wire).find("payload length"), std::string::npos);
  wire.pop_back();
  wire.pop_back();  // one byte less
  EXPECT_NE(parse_error_of(wire).find("payload length"), std::string::npos);
}

TEST(TvsMessage, truncated_element_is_an_error) {
  EXPECT_NE(parse_error_of(frame(1, {tvs_tag::certificate, 0})).find("truncated element header"),
            std::string::npos);
  EXPECT_NE(parse_error_of(frame(1, {tvs_tag::certificate, 0, 5, 1, 2})).find("truncated"),
            std::string::npos);
}

TEST(TvsMessage, duplicate_element_is_an_error) {
  auto e = parse_error_of(frame(2, {tvs_tag::status, 0, 1, 0, tvs_tag::status, 0, 1, 1}));
  EXPECT_NE(e.find("duplicate status"), std::string::npos) << e;
}

TEST(TvsMessage, wrongly_sized_status_and_ttl_are_errors) {
  EXPECT_NE(parse_error_of(frame(2, {tvs_tag::status, 0, 2, 0, 0})).find("status"),
            std::string::npos);
  EXPECT_NE(parse_error_of(frame(2, {tvs_tag::status, 0, 1, 7})).find("status"), std::string::npos);
  EXPECT_NE(parse_error_of(frame(2, {tvs_tag::ttl, 0, 2, 0, 0})).find("TTL"), std::string::npos);
}

TEST(TvsMessage, oversized_message_is_refused_when_parsing_and_encoding) {
  tvs_message big = verify_request();
  big.certificate = bytes(70000, 0xAB);
  EXPECT_FALSE(encode_tvs_message(big).ok());
  big.certificate = bytes(2000, 0xAB);
  auto wire = encode_tvs_message(big);
  ASSERT_TRUE(wire.ok());
  EXPECT_FALSE(encode_tvs_message(big, 1000).ok());
  auto r = parse_tvs_message(*wire, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("oversized"), std::string::npos);
  // The header alone tells a stream reader not to read on.
  auto h = parse_tvs_header(byte_view(*wire).subspan(0, tvs_header_size), 1000);
  EXPECT_FALSE(h.ok());
}

TEST(TvsMessage, every_payload_length_the_header_can_say_is_accepted_by_default) {
  // 65,527 to 65,535 bytes: past 64 KiB once the 10-byte header is counted,
  // yet valid for the 2-byte length.
  for (std::size_t payload : {std::size_t{65526}, std::size_t{65527}, std::size_t{65535}}) {
    tvs_message m;
    m.command = tvs_command::verify_request;
    m.certificate = bytes(payload - 3, 0xAB);  // one element: 3-byte header + value
    auto wire = encode_tvs_message(m);
    ASSERT_TRUE(wire.ok()) << payload << ": " << wire.err().message;
    EXPECT_EQ(wire->size(), tvs_header_size + payload);
    auto back = parse_tvs_message(*wire);
    ASSERT_TRUE(back.ok()) << payload << ": " << back.err().to_string();
    EXPECT_EQ(*back, m);
  }
  bytes largest{0x57, 1, 1, 0, 0, 0, 0, 1, 0xFF, 0xFF};
  auto h = parse_tvs_header(largest);
  ASSERT_TRUE(h.ok()) << h.err().to_string();
  EXPECT_EQ(h->message_size(), 65545u);
  // One byte more than the length can say cannot be encoded.
  tvs_message over;
  over.certificate = bytes(65535 - 3 + 1, 0xAB);
  EXPECT_FALSE(encode_tvs_message(over).ok());
}

TEST(TvsMessage, random_mutations_never_crash) {
  const bytes base = encode(query_request());
  std::mt19937 rng(20240601);  // fixed seed: reproducible
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes wire = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0:
          wire[rng() % wire.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          wire.resize(rng() % (wire.size() + 1));
          break;
        default:
          wire.push_back(static_cast<std::uint8_t>(rng()));
          break;
      }
      if (wire.empty()) wire.push_back(0x57);
    }
    if (parse_tvs_message(wire).ok()) ++parsed;
  }
  EXPECT_GT(parsed, 0u);  // some mutations (e.g. in values) still parse
}

}  // namespace
}  // namespace itlfleet::net
