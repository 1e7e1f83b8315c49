#include "x509/platform_stores.hpp"

#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace tlsprobe::x509 {

const PlatformStore* PlatformStores::find(std::string_view name) const {
    for (const auto& s : stores)
        if (s.name == name) return &s;
    return nullptr;
}

PlatformStores load_platform_stores(const std::filesystem::path& dir) {
    PlatformStores out;
    out.dir = dir.string();
    for (const auto name : kPlatformStoreNames) {
        const auto file = (dir / (std::string(name) + ".pem")).string();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec)) {
            out.missing.push_back(std::string(name) + ": " + file + ": no such file");
            continue;
        }
        try {
            auto store = std::make_shared<const TrustStore>(TrustStore::from_bundle_lazily(file));
            out.stores.push_back({std::string(name), file, std::move(store)});
        } catch (const std::exception& e) {
            out.missing.push_back(std::string(name) + ": " + e.what());
        }
    }
    return out;
}

std::shared_ptr<const PlatformStores> shared_platform_stores(const std::filesystem::path& dir) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const PlatformStores>> loaded;
    const std::lock_guard lock(mutex);
    auto& slot = loaded[dir.string()];
    if (!slot) slot = std::make_shared<const PlatformStores>(load_platform_stores(dir));
    return slot;
}

}  // namespace tlsprobe::x509
