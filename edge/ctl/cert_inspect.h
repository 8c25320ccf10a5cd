// Certificate facts for `scanedgectl doctor` (OpenSSL libcrypto; PEM files).
//
// inspect_certificate(path): the first certificate in the PEM file: subject, validity dates.
// Errors "io" (unreadable) or "bad_certificate" (no PEM certificate), naming the file.
// key_matches_certificate(cert, key): true when the private key in `key` (unencrypted PEM) is
// the one of the certificate's public key. Errors as above, or "bad_key".
// Pure functions of the files; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "edge/core/result.h"

namespace scanedge::ctl {

struct CertificateInfo {
  std::string subject;  // one line, e.g. "CN=store-042/hh-0007"
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

Result<CertificateInfo> inspect_certificate(const std::string& path);
Result<bool> key_matches_certificate(const std::string& cert_path, const std::string& key_path);

}  // namespace scanedge::ctl
