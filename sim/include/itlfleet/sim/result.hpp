#pragma once
/// `result<T>`: a value or an `error`, for failures that are part of normal
/// operation (malformed files, refused commands, bad passwords). C++20 has no
/// std::expected yet; this is the small subset itlfleet uses.

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace itlfleet {

/// What went wrong, in words a user can act on. `offset` is set for parse
/// errors: the byte position where the input stopped making sense.
struct error {
  std::string message;
  std::optional<std::size_t> offset = std::nullopt;

  /// "byte 12: expected ..." for parse errors, the bare message otherwise.
  std::string to_string() const {
    return offset ? "byte " + std::to_string(*offset) + ": " + message : message;
  }
};

inline error parse_error(std::size_t offset, std::string expected) {
  return error{std::move(expected), offset};
}

/// An error that is not a parse position: a refused operation, a missing
/// file, a bad option.
inline error failure(std::string message) {
  return error{std::move(message), std::nullopt};
}

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  result(error e) : v_(std::move(e)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, error> v_;
};

/// For operations that return nothing but may fail.
struct ok_t {};
using status = result<ok_t>;
inline status ok() {
  return ok_t{};
}

}  // namespace itlfleet
