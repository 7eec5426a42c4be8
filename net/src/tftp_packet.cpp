#include "itlfleet/net/tftp_packet.hpp"

#include "itlfleet/sim/bytes.hpp"

#include <charconv>

namespace itlfleet::net {
namespace {

/// Reads NUL-terminated strings from a datagram, tracking the offset.
class string_reader {
 public:
  string_reader(byte_view d, std::size_t offset) : d_(d), pos_(offset) {}
  bool at_end() const { return pos_ >= d_.size(); }
  std::size_t offset() const { return pos_; }

  /// The next string, or an error naming `what` when its NUL is missing.
  result<std::string_view> next(const char* what) {
    const std::size_t start = pos_;
    for (std::size_t i = start; i < d_.size(); ++i) {
      if (d_[i] == 0) {
        pos_ = i + 1;
        return std::string_view(reinterpret_cast<const char*>(d_.data()) + start, i - start);
      }
    }
    return parse_error(start, std::string(what) + " is not NUL-terminated");
  }

 private:
  byte_view d_;
  std::size_t pos_;
};

/// A plain decimal number (no sign, no spaces) no larger than `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

/// Parses `(name 0 value 0)*` from the reader to its end.
status parse_options(string_reader& r, tftp_options& known, std::vector<tftp_raw_option>& unknown) {
  while (!r.at_end()) {
    const std::size_t name_at = r.offset();
    auto name = r.next("option name");
    if (!name) return name.err();
    if (name->empty()) return parse_error(name_at, "empty option name");
    const std::size_t value_at = r.offset();
    if (r.at_end())
      return parse_error(value_at, "option '" + quote_peer_text(*name) + "' has no value");
    auto value = r.next("option value");
    if (!value) return value.err();
    auto bad_value = [&](const char* range) {
      return parse_error(value_at, "option " + quote_peer_text(to_lower(*name)) + " value '" +
                                       quote_peer_text(*value) + "' is not " + range);
    };
    auto duplicate = [&] {
      return parse_error(name_at, "duplicate option " + quote_peer_text(to_lower(*name)));
    };
    if (iequals(*name, "blksize")) {
      if (known.blksize) return duplicate();
      auto v = parse_decimal(*value, tftp_max_blksize);
      if (!v || *v < tftp_min_blksize) return bad_value("a block size in 8..65464");
      known.blksize = static_cast<std::uint16_t>(*v);
    } else if (iequals(*name, "tsize")) {
      if (known.tsize) return duplicate();
      auto v = parse_decimal(*value, UINT64_MAX);
      if (!v) return bad_value("a decimal size");
      known.tsize = *v;
    } else if (iequals(*name, "timeout")) {
      if (known.timeout) return duplicate();
      auto v = parse_decimal(*value, 255);
      if (!v || *v < 1) return bad_value("a timeout in 1..255 s");
      known.timeout = static_cast<std::uint8_t>(*v);
    } else {
      std::string lname = to_lower(*name);
      for (const auto& o : unknown)
        if (o.name == lname) return duplicate();
      unknown.push_back({std::move(lname), std::string(*value)});
    }
  }
  return ok();
}

result<tftp_packet> parse_request(byte_view d, tftp_opcode op) {
  string_reader r(d, 2);
  tftp_request req;
  req.opcode = op;
  auto name = r.next("filename");
  if (!name) return name.err();
  if (name->empty()) return parse_error(2, "empty filename");
  req.filename = std::string(*name);
  const std::size_t mode_at = r.offset();
  auto mode = r.next("mode");
  if (!mode) return mode.err();
  if (iequals(*mode, "octet")) {
    req.mode = tftp_mode::octet;
  } else if (iequals(*mode, "netascii")) {
    req.mode = tftp_mode::netascii;
  } else if (iequals(*mode, "mail")) {
    req.mode = tftp_mode::mail;
  } else {
    return parse_error(mode_at, "unknown mode '" + quote_peer_text(*mode) + "'");
  }
  if (auto s = parse_options(r, req.options, req.unknown_options); !s) return s.err();
  return tftp_packet{std::move(req)};
}

void put_string(bytes& out, std::string_view s) {
  const auto nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
}

void put_options(bytes& out, const tftp_options& o, const std::vector<tftp_raw_option>& unknown) {
  if (o.blksize) put_string(out, "blksize"), put_string(out, std::to_string(*o.blksize));
  if (o.tsize) put_string(out, "tsize"), put_string(out, std::to_string(*o.tsize));
  if (o.timeout) put_string(out, "timeout"), put_string(out, std::to_string(*o.timeout));
  for (const auto& u : unknown) put_string(out, u.name), put_string(out, u.value);
}

}  // namespace

std::string_view to_string(tftp_mode mode) {
  switch (mode) {
    case tftp_mode::netascii:
      return "netascii";
    case tftp_mode::octet:
      return "octet";
    case tftp_mode::mail:
      return "mail";
  }
  return "octet";
}

std::optional<tftp_opcode> peek_tftp_opcode(byte_view d) {
  if (d.size() < 2) return std::nullopt;
  const std::uint16_t op = get_u16(d.data());
  if (op < 1 || op > 6) return std::nullopt;
  return static_cast<tftp_opcode>(op);
}

result<tftp_packet> parse_tftp_packet(byte_view d) {
  if (d.size() < 2) return parse_error(0, "truncated packet: no opcode");
  if (d.size() > tftp_max_packet)
    return parse_error(tftp_max_packet, "oversized packet: " + std::to_string(d.size()) +
                                            " bytes, at most " + std::to_string(tftp_max_packet));
  const std::uint16_t op = get_u16(d.data());
  switch (static_cast<tftp_opcode>(op)) {
    case tftp_opcode::rrq:
    case tftp_opcode::wrq:
      return parse_request(d, static_cast<tftp_opcode>(op));
    case tftp_opcode::data:
      if (d.size() < 4) return parse_error(2, "truncated DATA: no block number");
      return tftp_packet{tftp_data{get_u16(d.data() + 2), d.subspan(4)}};
    case tftp_opcode::ack:
      if (d.size() < 4) return parse_error(2, "truncated ACK: no block number");
      if (d.size() > 4) return parse_error(4, "ACK has trailing bytes");
      return tftp_packet{tftp_ack{get_u16(d.data() + 2)}};
    case tftp_opcode::error: {
      if (d.size() < 4) return parse_error(2, "truncated ERROR: no error code");
      // Liberal: the message ends at the first NUL or at the end of the datagram.
      auto rest = d.subspan(4);
      std::size_t len = 0;
      while (len < rest.size() && rest[len] != 0) ++len;
      return tftp_packet{tftp_error{get_u16(d.data() + 2),
                                    std::string(reinterpret_cast<const char*>(rest.data()), len)}};
    }
    case tftp_opcode::oack: {
      tftp_oack oack;
      string_reader r(d, 2);
      if (auto s = parse_options(r, oack.options, oack.unknown_options); !s) return s.err();
      return tftp_packet{std::move(oack)};
    }
  }
  return parse_error(0, "unknown opcode " + std::to_string(op));
}

bytes encode_tftp_packet(const tftp_packet& packet) {
  bytes out;
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, tftp_request>) {
          put_u16(out, static_cast<std::uint16_t>(p.opcode));
          put_string(out, p.filename);
          put_string(out, to_string(p.mode));
          put_options(out, p.options, p.unknown_options);
        } else if constexpr (std::is_same_v<T, tftp_data>) {
          out.reserve(4 + p.payload.size());
          put_u16(out, 3);
          put_u16(out, p.block);
          out.insert(out.end(), p.payload.begin(), p.payload.end());
        } else if constexpr (std::is_same_v<T, tftp_ack>) {
          put_u16(out, 4);
          put_u16(out, p.block);
        } else if constexpr (std::is_same_v<T, tftp_error>) {
          put_u16(out, 5);
          put_u16(out, p.code);
          put_string(out, p.message);
        } else {
          put_u16(out, 6);
          put_options(out, p.options, p.unknown_options);
        }
      },
      packet);
  return out;
}

std::string quote_peer_text(std::string_view text) {
  if (text.size() <= tftp_quote_limit) return std::string(text);
  std::size_t cut = tftp_quote_limit;
  // Back to the start of a character: continuation bytes are 10xxxxxx.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...(" + std::to_string(text.size()) + " bytes)";
}

bytes encode_tftp_error(tftp_error_code code, std::string_view message) {
  return encode_tftp_packet(tftp_error{static_cast<std::uint16_t>(code), std::string(message)});
}

}  // namespace itlfleet::net
