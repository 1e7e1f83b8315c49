#include "x509/trust_store.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <string_view>

#include "x509/certificate.hpp"

namespace tlsprobe::x509 {

using core::Bytes;
using core::ByteView;
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("CA file " + path + ": cannot be opened");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The CA file's certificates as DER. PEM is recognised by its armour; anything else is taken
// as one DER certificate, the form Windows' certificate export writes by default.
std::vector<Bytes> ca_file_certificates(const std::string& path) {
    const std::string contents = read_file(path);
    if (contents.find("-----BEGIN") != std::string::npos) {
        try {
            return pem_to_der_chain(contents);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error("CA file " + path + ": " + e.what());
        }
    }
    if (contents.empty()) throw std::runtime_error("CA file " + path + ": the file is empty");
    return {Bytes(contents.begin(), contents.end())};
}

// The subject Name of a DER certificate, found by walking its TLVs (Certificate, then
// TBSCertificate: [0] version, serial, signature, issuer, validity, subject) without decoding
// the rest: d2i_X509 would decode the public key, the slow part. Empty when malformed.
ByteView subject_der(ByteView der) {
    const unsigned char* p = der.data();
    const unsigned char* end = der.data() + der.size();
    long length = 0;
    int tag = 0, cls = 0;
    const auto next = [&](const unsigned char*& at) {
        const int r = ASN1_get_object(&at, &length, &tag, &cls, end - at);
        return (r & 0x80) == 0 && length >= 0 && length <= end - at;
    };
    if (!next(p) || tag != V_ASN1_SEQUENCE) return {};  // Certificate
    if (!next(p) || tag != V_ASN1_SEQUENCE) return {};  // TBSCertificate
    end = p + length;
    const unsigned char* q = p;
    if (!next(q)) return {};
    if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0) p = q + length;  // [0] version
    for (int i = 0; i < 4; ++i) {  // serial, signature, issuer, validity
        if (!next(p)) return {};
        p += length;
    }
    const unsigned char* start = p;
    if (!next(p) || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) return {};
    return {start, static_cast<std::size_t>(p + length - start)};
}

// A bundle's certificates, each decoded on its first lookup (from_bundle_lazily).
struct LazyAnchors {
    struct Entry {
        std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> subject{nullptr, X509_NAME_free};
        Bytes der;
        X509Ptr x509;
        bool undecodable = false;
    };
    std::mutex mutex;  // lookups run on every verifying thread
    std::vector<Entry> entries;
};

// X509_LOOKUP get_by_subject: every bundle certificate with that subject, decoded once and
// added to the store (so OpenSSL finds them in its own cache next time, and sees all of a
// cross-signed subject's certificates); `ret` gets the first.
int lazy_get_by_subject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                        X509_OBJECT* ret) {
    if (type != X509_LU_X509 || !name) return 0;
    auto* anchors = static_cast<LazyAnchors*>(X509_LOOKUP_get_method_data(lookup));
    if (!anchors) return 0;
    std::vector<X509Ptr> found;
    {
        const std::lock_guard lock(anchors->mutex);
        for (auto& e : anchors->entries) {
            if (X509_NAME_cmp(e.subject.get(), name) != 0) continue;
            if (!e.x509 && !e.undecodable) {
                e.x509 = x509_from_der(e.der);
                e.undecodable = !e.x509;
                ERR_clear_error();
            }
            if (e.x509 && X509_up_ref(e.x509.get()) == 1) found.emplace_back(e.x509.get());
        }
    }
    if (found.empty()) return 0;
    X509_STORE* store = X509_LOOKUP_get_store(lookup);
    for (const auto& x : found) X509_STORE_add_cert(store, x.get());  // duplicates: ignored
    ERR_clear_error();
    // `ret` must borrow, as OpenSSL's own lookups fill it (by_dir copies the store's pointer):
    // X509_STORE_CTX_get_by_subject takes the caller's reference itself and never frees `ret`.
    // The entry keeps the certificate alive as long as the store.
    X509* first = found.front().get();
    if (!X509_OBJECT_set1_X509(ret, first)) return 0;
    X509_free(first);  // the reference set1 took
    return 1;
}

X509_LOOKUP_METHOD* lazy_lookup_method() {
    static X509_LOOKUP_METHOD* const method = [] {
        X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("tlsprobe lazy CA bundle");
        if (m) X509_LOOKUP_meth_set_get_by_subject(m, lazy_get_by_subject);
        return m;
    }();
    return method;
}

}  // namespace

TrustStore TrustStore::from_bundle_lazily(const std::string& ca_file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(ca_file, ec))
        throw std::runtime_error("CA file " + ca_file + ": no such file");
    auto anchors = std::make_shared<LazyAnchors>();
    auto certs = ca_file_certificates(ca_file);
    anchors->entries.reserve(certs.size());
    for (std::size_t i = 0; i < certs.size(); ++i) {
        LazyAnchors::Entry e;
        const ByteView subject = subject_der(certs[i]);
        const unsigned char* p = subject.data();
        if (!subject.empty())
            e.subject.reset(d2i_X509_NAME(nullptr, &p, static_cast<long>(subject.size())));
        if (!e.subject) {
            ERR_clear_error();
            throw std::runtime_error("CA file " + ca_file + ": certificate #" +
                                     std::to_string(i + 1) + " is not a valid X.509 certificate");
        }
        e.der = std::move(certs[i]);
        anchors->entries.push_back(std::move(e));
    }
    std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    X509_LOOKUP_METHOD* method = lazy_lookup_method();
    X509_LOOKUP* lookup = store && method ? X509_STORE_add_lookup(store.get(), method) : nullptr;
    if (!lookup || !X509_LOOKUP_set_method_data(lookup, anchors.get()))
        throw std::runtime_error("out of memory creating the trust store");
    const std::size_t count = anchors->entries.size();
    return TrustStore(std::move(store), "CA file " + ca_file, count, std::move(anchors));
}

TrustStore::TrustStore(std::unique_ptr<X509_STORE, StoreDeleter> store, std::string description,
                       std::size_t anchors, std::shared_ptr<const void> lookup_data)
    : lookup_data_(std::move(lookup_data)),
      store_(std::move(store)),
      description_(std::move(description)),
      anchor_count_(anchors) {}

TrustStore TrustStore::system_default() {
    std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    if (!store) throw std::runtime_error("out of memory creating the trust store");
    // Failure here only means a default location is absent (a minimal container): the store
    // is then empty and every chain reports an untrusted root, which is the truth.
    X509_STORE_set_default_paths(store.get());
    ERR_clear_error();
    return TrustStore(std::move(store), "system trust store", 0);
}

std::shared_ptr<const TrustStore> TrustStore::shared_system_default() {
    static const std::shared_ptr<const TrustStore> store =
        std::make_shared<const TrustStore>(system_default());
    return store;
}

TrustStore TrustStore::empty() {
    std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    if (!store) throw std::runtime_error("out of memory creating the trust store");
    return TrustStore(std::move(store), "no trust anchors", 0);
}

TrustStore TrustStore::from_locations(const std::string& ca_file, const std::string& ca_path) {
    if (ca_file.empty() && ca_path.empty())
        throw std::runtime_error("no CA file or CA directory given for the trust store");
    std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    if (!store) throw std::runtime_error("out of memory creating the trust store");
    std::string description;
    std::size_t anchors = 0;

    if (!ca_file.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(ca_file, ec))
            throw std::runtime_error("CA file " + ca_file + ": no such file");
        if (std::filesystem::is_directory(ca_file, ec))
            throw std::runtime_error("CA file " + ca_file +
                                     ": is a directory (pass it as the CA directory)");
        const auto certs = ca_file_certificates(ca_file);
        for (std::size_t i = 0; i < certs.size(); ++i) {
            X509Ptr x = x509_from_der(certs[i]);
            if (!x)
                throw std::runtime_error("CA file " + ca_file + ": certificate #" +
                                         std::to_string(i + 1) +
                                         " is not a valid X.509 certificate");
            // X509_STORE_add_cert takes its own reference; duplicates are ignored in OpenSSL 3.
            if (!X509_STORE_add_cert(store.get(), x.get()))
                throw std::runtime_error("CA file " + ca_file + ": cannot add certificate #" +
                                         std::to_string(i + 1));
        }
        anchors = certs.size();
        description = "CA file " + ca_file;
    }
    if (!ca_path.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_directory(ca_path, ec))
            throw std::runtime_error("CA directory " + ca_path + ": no such directory");
        if (!X509_STORE_load_path(store.get(), ca_path.c_str())) {
            ERR_clear_error();
            throw std::runtime_error("CA directory " + ca_path +
                                     ": cannot be used as a lookup directory");
        }
        description += (description.empty() ? "" : " + ") + std::string("CA directory ") + ca_path;
    }
    ERR_clear_error();
    return TrustStore(std::move(store), std::move(description), anchors);
}

}  // namespace tlsprobe::x509
