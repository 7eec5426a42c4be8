#include "export_writer.hpp"

#include <system_error>

#include "itlfleet/host/files.hpp"
#include "itlfleet/sim/crypto.hpp"

namespace itlfleet::cluster_export::detail {

void prepare_root(const std::string& out, bool force) {
  const fs::path root(out);
  std::error_code ec;
  const auto st = fs::status(root, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw export_error(out + " exists and is not a directory");
    const bool empty = fs::is_empty(root, ec);
    if (ec) throw export_error("cannot read " + out + ": " + ec.message());
    if (!empty && !force)
      throw export_error(out + " is not empty; pass --force to export into it anyway");
    if (!empty && fs::exists(root / "manifest.json")) {
      fs::remove_all(root / "tftp", ec);
      if (!ec) fs::remove_all(root / "keys", ec);
      if (ec)
        throw export_error("cannot clear the previous export in " + out + ": " + ec.message());
    }
  }
  fs::create_directories(root, ec);
  if (ec) throw export_error("cannot create " + out + ": " + ec.message());
}

void export_writer::directory(const std::string& rel, fs::perms perms) {
  const fs::path p = root_ / rel;
  std::error_code ec;
  fs::create_directories(p, ec);
  if (!ec) fs::permissions(p, perms, fs::perm_options::replace, ec);
  if (ec) throw export_error("cannot create directory " + p.string() + ": " + ec.message());
}

void export_writer::file(const std::string& rel, byte_view data, fs::perms perms, bytes sha1) {
  unlisted_file(rel, data, perms);
  if (sha1.empty()) sha1 = sim::sha1(data);
  bytes_written_ += data.size();
  files_.push_back({rel, data.size(), std::move(sha1)});
}

void export_writer::unlisted_file(const std::string& rel, byte_view data, fs::perms perms) const {
  if (auto st = host::write_file(root_ / rel, data, perms); !st)
    throw export_error(st.err().message);
}

}  // namespace itlfleet::cluster_export::detail
