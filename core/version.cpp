#include "core/version.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace tlsprobe::core {
namespace {

struct VersionInfo {
    Version version;
    std::string_view id;
    std::string_view display;
    std::uint16_t wire;
};

constexpr std::array<VersionInfo, 6> kVersions{{
    {Version::ssl2, "ssl2", "SSL 2.0", 0x0002},
    {Version::ssl3, "ssl3", "SSL 3.0", 0x0300},
    {Version::tls1_0, "tls1_0", "TLS 1.0", 0x0301},
    {Version::tls1_1, "tls1_1", "TLS 1.1", 0x0302},
    {Version::tls1_2, "tls1_2", "TLS 1.2", 0x0303},
    {Version::tls1_3, "tls1_3", "TLS 1.3", 0x0304},
}};

const VersionInfo& info(Version v) { return kVersions[static_cast<std::size_t>(v)]; }

}  // namespace

std::string_view to_string(Version v) { return info(v).id; }
std::string_view display_name(Version v) { return info(v).display; }
std::uint16_t wire_code(Version v) { return info(v).wire; }

std::optional<Version> version_from_wire(std::uint16_t code) {
    for (const auto& i : kVersions)
        if (i.wire == code) return i.version;
    return std::nullopt;
}

std::optional<Version> parse_version(std::string_view text) {
    // Normalise: lower case, drop separators, so "TLS 1.2", "tls1_2", "TLSv1.2" and "tls12" agree.
    std::string norm;
    for (char c : text) {
        if (c == ' ' || c == '.' || c == '_' || c == '-') continue;
        norm.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (norm.starts_with("tlsv")) norm.erase(3, 1);
    if (norm.starts_with("sslv")) norm.erase(3, 1);
    static constexpr std::array<std::pair<std::string_view, Version>, 12> kNames{{
        {"ssl2", Version::ssl2},
        {"ssl20", Version::ssl2},
        {"ssl3", Version::ssl3},
        {"ssl30", Version::ssl3},
        {"tls10", Version::tls1_0},
        {"tls1", Version::tls1_0},
        {"tls11", Version::tls1_1},
        {"tls12", Version::tls1_2},
        {"tls13", Version::tls1_3},
        {"10", Version::tls1_0},
        {"11", Version::tls1_1},
        {"12", Version::tls1_2},
    }};
    if (norm == "13") return Version::tls1_3;
    auto it =
        std::find_if(kNames.begin(), kNames.end(), [&](const auto& p) { return p.first == norm; });
    if (it == kNames.end()) return std::nullopt;
    return it->second;
}

}  // namespace tlsprobe::core
