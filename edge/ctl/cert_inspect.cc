#include "edge/ctl/cert_inspect.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

namespace scanedge::ctl {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Result<X509Ptr> load_cert(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return make_error("io", "cannot read " + path);
  X509* x = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (x == nullptr) return make_error("bad_certificate", path + " holds no PEM certificate");
  return X509Ptr(x, &X509_free);
}

// Calendar arithmetic rather than timegm(): Debian armhf has a 32-bit time_t, on which timegm()
// fails (-1, 1969) for dates after 2038-01-19, and certificates often run past that.
std::chrono::system_clock::time_point to_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  using namespace std::chrono;
  const sys_days date = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                        day{static_cast<unsigned>(tm.tm_mday)};
  return date + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

}  // namespace

Result<CertificateInfo> inspect_certificate(const std::string& path) {
  auto x = load_cert(path);
  if (!x) return x.error();
  CertificateInfo info;
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x->get()), buf, sizeof buf);
  info.subject = buf;
  info.not_before = to_time(X509_get0_notBefore(x->get()));
  info.not_after = to_time(X509_get0_notAfter(x->get()));
  return info;
}

Result<bool> key_matches_certificate(const std::string& cert_path, const std::string& key_path) {
  auto x = load_cert(cert_path);
  if (!x) return x.error();
  File f(std::fopen(key_path.c_str(), "rb"));
  if (!f) return make_error("io", "cannot read " + key_path);
  EVP_PKEY* k = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (k == nullptr) return make_error("bad_key", key_path + " holds no unencrypted PEM private key");
  KeyPtr key(k, &EVP_PKEY_free);
  const bool match = X509_check_private_key(x->get(), key.get()) == 1;
  ERR_clear_error();
  return match;
}

}  // namespace scanedge::ctl
