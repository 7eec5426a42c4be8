#pragma once
/// What a file server (TFTP, HTTP on 6970) serves: a function from a file
/// name to its bytes. The owner of the served tree (an in-process cluster, a
/// directory) provides it; servers share the bytes without copying.

#include <functional>
#include <memory>
#include <string_view>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::net {

/// Immutable bytes shared between the tree's owner and transfers in flight:
/// a transfer keeps serving the version it started with even if the tree
/// changes under it (a regenerated ITL replaces the pointer, not the bytes).
using shared_bytes = std::shared_ptr<const bytes>;

/// Returns the file's bytes, or nullptr when there is no such file. `name`
/// is as the client asked for it (no leading '/'). Called from server
/// threads: implementations must be thread-safe.
using file_lookup = std::function<shared_bytes(std::string_view name)>;

}  // namespace itlfleet::net
