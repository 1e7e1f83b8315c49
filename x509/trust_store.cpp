#include "x509/trust_store.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <string_view>

#include "x509/certificate.hpp"

namespace tlsprobe::x509 {

using core::Bytes;
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

}  // namespace

TrustStore::TrustStore(std::unique_ptr<X509_STORE, StoreDeleter> store, std::string description,
                       std::size_t anchors)
    : store_(std::move(store)), description_(std::move(description)), anchor_count_(anchors) {}

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
