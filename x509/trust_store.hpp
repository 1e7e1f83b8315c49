// The set of trust anchors chain analysis verifies against.
//
// A scan checks thousands of chains against the same anchors: the store is loaded once and
// shared read-only (X509_STORE is safe for concurrent verification once built).
#pragma once

#include <cstddef>
#include <memory>
#include <openssl/x509_vfy.h>
#include <string>

namespace tlsprobe::x509 {

class TrustStore {
public:
    // OpenSSL's default locations (Debian: /etc/ssl/certs), honouring SSL_CERT_FILE and
    // SSL_CERT_DIR like every OpenSSL client on the machine.
    static TrustStore system_default();
    // system_default(), loaded on first use and shared by every caller after that.
    static std::shared_ptr<const TrustStore> shared_system_default();
    // No anchors at all: every chain ends untrusted.
    static TrustStore empty();
    // A CA file (PEM bundle or a single DER certificate, as Windows exports .cer files) and/or
    // a hashed directory (c_rehash layout); either may be empty, not both. Throws
    // std::runtime_error naming the file or directory and the reason (missing, no certificate).
    static TrustStore from_locations(const std::string& ca_file, const std::string& ca_path);
    // A PEM bundle whose certificates are decoded only when a chain asks for their subject:
    // OpenSSL 3.0 spends ~0.25 ms decoding each certificate's key, and a platform bundle holds
    // ~150 of which a probe needs one or two. Each certificate's structure is checked and its
    // subject read up front (throws as from_locations does); one that then fails to decode is
    // skipped when asked for. Verifies exactly as from_locations(ca_file, "").
    static TrustStore from_bundle_lazily(const std::string& ca_file);

    TrustStore(TrustStore&&) noexcept = default;
    TrustStore& operator=(TrustStore&&) noexcept = default;
    TrustStore(const TrustStore&) = delete;
    TrustStore& operator=(const TrustStore&) = delete;
    ~TrustStore() = default;

    X509_STORE* native() const { return store_.get(); }
    // "system trust store" / "CA file corp-root.pem" / "CA file a.pem + CA directory /etc/x".
    std::string description() const { return description_; }
    // Certificates loaded up front (CA file); a directory is looked up lazily and counts 0.
    std::size_t anchor_count() const { return anchor_count_; }

private:
    struct StoreDeleter {
        void operator()(X509_STORE* s) const { X509_STORE_free(s); }
    };
    TrustStore(std::unique_ptr<X509_STORE, StoreDeleter> store, std::string description,
               std::size_t anchors, std::shared_ptr<const void> lookup_data = nullptr);

    // What the store's lookup method reads (from_bundle_lazily); declared before store_ so it
    // outlives it.
    std::shared_ptr<const void> lookup_data_;
    std::unique_ptr<X509_STORE, StoreDeleter> store_;
    std::string description_;
    std::size_t anchor_count_ = 0;
};

}  // namespace tlsprobe::x509
