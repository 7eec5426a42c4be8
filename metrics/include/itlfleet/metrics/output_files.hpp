#pragma once
/// A run's output directory: checked before the run, filled all at once
/// after it. A user acts on these files, so a failure must never leave a mix
/// of this run's files and an older run's, or half a file.

#include <string>
#include <vector>

namespace itlfleet::metrics {

/// Creates `dir` (and its parents) if missing and proves that files can be
/// created in it, so a bad `--out` fails before a long run rather than after.
/// False with `error` naming the directory and the reason.
bool prepare_output_dir(const std::string& dir, std::string& error);

struct output_file {
  std::string name;  ///< a plain file name inside the directory
  std::string content;
};

/// Writes every file into a fresh temporary directory inside `dir`, then
/// renames each into place. If any write fails, nothing of this call is left
/// in `dir` (the older files there stay as they were). False with `error`
/// filled on failure.
bool write_output_files(const std::string& dir, const std::vector<output_file>& files,
                        std::string& error);

/// Writes `content` to `dir/name` (creating dir) through a temporary file
/// renamed over the target; false with `error` filled on failure.
bool write_file(const std::string& dir, const std::string& name, const std::string& content,
                std::string& error);

}  // namespace itlfleet::metrics
