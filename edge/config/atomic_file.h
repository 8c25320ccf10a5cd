// Atomic file replacement, for files other programs read while we rewrite them (the agent's
// configuration written by `scanedgectl provision`, the metrics text file read by
// node_exporter's textfile collector).
//
// write_file_atomic(path, content, mode): writes `content` to a temp file in the SAME
// directory as `path` ("<path>.tmp.<pid>", so a reader globbing *.prom or *.toml never sees
// it), fsyncs it, sets `mode` (fchmod, not subject to the umask), renames it over `path`
// (atomic on POSIX: a reader sees the old file or the new one, never a partial one) and
// fsyncs the directory so the rename survives power loss. On any failure the temp file is
// removed, `path` is untouched, and the Error (code "io") names the step, the file and
// strerror. The directory must exist. Not safe against two concurrent writers of the same
// path in one process (they share the temp name); distinct processes use distinct names.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "edge/core/result.h"

namespace scanedge::config {

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644);

}  // namespace scanedge::config
