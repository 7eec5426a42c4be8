#include "itlfleet/net/tvs_message.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

namespace itlfleet::net {

namespace {

constexpr std::size_t element_header_size = 3;
constexpr std::uint8_t device_name_prefix = 0x01;

bool known_command(std::uint8_t c) {
  return c >= static_cast<std::uint8_t>(tvs_command::verify_request) &&
         c <= static_cast<std::uint8_t>(tvs_command::query_response);
}

std::string tag_name(std::uint8_t tag) {
  switch (tag) {
    case tvs_tag::device_name:
      return "device name (1)";
    case tvs_tag::certificate:
      return "certificate (2)";
    case tvs_tag::subject:
      return "subject (3)";
    case tvs_tag::issuer:
      return "issuer (5)";
    case tvs_tag::serial:
      return "serial (6)";
    case tvs_tag::status:
      return "status (7)";
    case tvs_tag::roles:
      return "roles (8)";
    case tvs_tag::ttl:
      return "TTL (9)";
    default:
      return "element " + std::to_string(tag);
  }
}

/// Sets `slot` from `value`, refusing a second occurrence of the element.
template <class T>
status set_once(std::optional<T>& slot, T value, std::uint8_t tag, std::size_t offset) {
  if (slot) return parse_error(offset, "duplicate " + tag_name(tag));
  slot = std::move(value);
  return ok();
}

status put_element(bytes& out, std::uint8_t tag, byte_view value) {
  if (value.size() > std::numeric_limits<std::uint16_t>::max())
    return error{tag_name(tag) + " is " + std::to_string(value.size()) +
                 " bytes, more than a TLV length can say (65535)"};
  out.push_back(tag);
  put_u16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  return ok();
}

status decode_element(tvs_message& m, std::uint8_t tag, byte_view value, std::size_t offset) {
  switch (tag) {
    case tvs_tag::device_name: {
      // 0x01 then the name; accept a name without the prefix too.
      auto text = value;
      if (!text.empty() && text[0] == device_name_prefix) text = text.subspan(1);
      return set_once(m.device_name, std::string(text.begin(), text.end()), tag, offset);
    }
    case tvs_tag::certificate:
      return set_once(m.certificate, bytes(value.begin(), value.end()), tag, offset);
    case tvs_tag::subject:
      return set_once(m.subject, text_of(value), tag, offset);
    case tvs_tag::issuer:
      return set_once(m.issuer, text_of(value), tag, offset);
    case tvs_tag::serial:
      return set_once(m.serial, bytes(value.begin(), value.end()), tag, offset);
    case tvs_tag::status:
      if (value.size() != 1)
        return parse_error(offset, "status (7) must be 1 byte, is " + std::to_string(value.size()));
      if (value[0] > static_cast<std::uint8_t>(tvs_status::invalid))
        return parse_error(
            offset + element_header_size,
            "status must be 0 (valid) or 1 (invalid), is " + std::to_string(value[0]));
      return set_once(m.status, static_cast<tvs_status>(value[0]), tag, offset);
    case tvs_tag::roles:
      return set_once(m.roles, bytes(value.begin(), value.end()), tag, offset);
    case tvs_tag::ttl:
      if (value.size() != 4)
        return parse_error(offset, "TTL (9) must be 4 bytes, is " + std::to_string(value.size()));
      return set_once(m.ttl, get_u32(value.data()), tag, offset);
    default:
      return ok();  // unknown tags are skipped
  }
}

}  // namespace

result<tvs_header> parse_tvs_header(byte_view data, std::size_t max_message) {
  if (data.size() < tvs_header_size)
    return parse_error(data.size(), "truncated header: " + std::to_string(data.size()) +
                                        " bytes, a TVS header has 10");
  if (data[0] != tvs_protocol_id)
    return parse_error(0, "protocol id must be 0x57, is 0x" + to_hex(data.subspan(0, 1)));
  if (data[1] != tvs_protocol_version)
    return parse_error(1, "protocol version must be 1, is " + std::to_string(data[1]));
  if (!known_command(data[2])) return parse_error(2, "unknown command " + std::to_string(data[2]));
  tvs_header h;
  h.command = static_cast<tvs_command>(data[2]);
  h.session_id = get_u32(data.data() + 4);
  h.payload_length = get_u16(data.data() + 8);
  if (h.message_size() > max_message)
    return parse_error(8, "oversized message: " + std::to_string(h.message_size()) +
                              " bytes, the limit is " + std::to_string(max_message));
  return h;
}

result<tvs_message> parse_tvs_message(byte_view data, std::size_t max_message) {
  auto header = parse_tvs_header(data, max_message);
  if (!header) return header.err();
  if (data.size() != header->message_size())
    return parse_error(8, "payload length says " + std::to_string(header->payload_length) +
                              " bytes, " + std::to_string(data.size() - tvs_header_size) +
                              " follow the header");
  tvs_message m;
  m.command = header->command;
  m.session_id = header->session_id;
  std::size_t pos = tvs_header_size;
  while (pos < data.size()) {
    if (data.size() - pos < element_header_size)
      return parse_error(pos, "truncated element header: " + std::to_string(data.size() - pos) +
                                  " bytes left, an element header has 3");
    const std::uint8_t tag = data[pos];
    const std::size_t length = get_u16(data.data() + pos + 1);
    if (data.size() - pos - element_header_size < length)
      return parse_error(pos, "truncated " + tag_name(tag) + ": length " + std::to_string(length) +
                                  ", " + std::to_string(data.size() - pos - element_header_size) +
                                  " bytes left");
    auto st = decode_element(m, tag, data.subspan(pos + element_header_size, length), pos);
    if (!st) return st.err();
    pos += element_header_size + length;
  }
  return m;
}

result<bytes> encode_tvs_message(const tvs_message& m, std::size_t max_message) {
  bytes out;
  out.reserve(tvs_header_size + (m.certificate ? m.certificate->size() : 0) + 128);
  out.push_back(tvs_protocol_id);
  out.push_back(tvs_protocol_version);
  out.push_back(static_cast<std::uint8_t>(m.command));
  out.push_back(0);
  put_u32(out, m.session_id);
  put_u16(out, 0);  // payload length, patched below

  status st = ok();
  auto put = [&](std::uint8_t tag, byte_view value) {
    if (st) st = put_element(out, tag, value);
  };
  if (m.device_name) {
    bytes value{device_name_prefix};
    value.insert(value.end(), m.device_name->begin(), m.device_name->end());
    put(tvs_tag::device_name, value);
  }
  if (m.certificate) put(tvs_tag::certificate, *m.certificate);
  if (m.subject) put(tvs_tag::subject, to_bytes(*m.subject, true));
  if (m.issuer) put(tvs_tag::issuer, to_bytes(*m.issuer, true));
  if (m.serial) put(tvs_tag::serial, *m.serial);
  if (m.status) put(tvs_tag::status, bytes{static_cast<std::uint8_t>(*m.status)});
  if (m.roles) put(tvs_tag::roles, *m.roles);
  if (m.ttl) {
    bytes value;
    put_u32(value, *m.ttl);
    put(tvs_tag::ttl, value);
  }
  if (!st) return st.err();

  const std::size_t payload = out.size() - tvs_header_size;
  if (payload > tvs_max_payload || out.size() > max_message)
    return error{"oversized message: " + std::to_string(out.size()) + " bytes, the limit is " +
                 std::to_string(std::min(max_message, tvs_default_max_message))};
  out[8] = static_cast<std::uint8_t>(payload >> 8);
  out[9] = static_cast<std::uint8_t>(payload);
  return out;
}

}  // namespace itlfleet::net
