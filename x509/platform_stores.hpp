// The trust stores of the client platforms (Mozilla/NSS, Microsoft, Apple, Java, Linux), as
// the testssl.sh package ships them (/etc/testssl/<Name>.pem, one PEM bundle each). Loaded
// once per process and directory, shared read-only (a TrustStore is safe for concurrent
// verification); freed with the process's statics at exit.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "x509/trust_store.hpp"

namespace tlsprobe::x509 {

// The store names, in report order; each is the file <name>.pem in the store directory.
inline constexpr std::array<std::string_view, 5> kPlatformStoreNames{
    "Mozilla", "Microsoft", "Apple", "Java", "Linux"};
inline constexpr std::string_view kDefaultPlatformStoreDir = "/etc/testssl";

struct PlatformStore {
    std::string name;  // "Microsoft"
    std::string file;  // "/etc/testssl/Microsoft.pem"
    std::shared_ptr<const TrustStore> store;
};

struct PlatformStores {
    std::string dir;
    std::vector<PlatformStore> stores;  // the ones that loaded, in kPlatformStoreNames order
    std::vector<std::string> missing;   // "Apple: /x/Apple.pem: no such file" for the others

    const PlatformStore* find(std::string_view name) const;
};

// Loads every <name>.pem of `dir` that exists and holds certificates. Never throws for a
// missing or unreadable file (it is listed in `missing`).
PlatformStores load_platform_stores(const std::filesystem::path& dir);

// load_platform_stores(dir), made once per directory for the whole process.
std::shared_ptr<const PlatformStores> shared_platform_stores(const std::filesystem::path& dir);

}  // namespace tlsprobe::x509
