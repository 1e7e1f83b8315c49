#include "cli/cli_common.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

#include "judge/verdict.hpp"

namespace tlsprobe::cli {

probe::TargetResult probe_and_judge(const probe::Target& target, const probe::ProbeOptions& options) {
    auto result = probe::probe_target_blocking(target, options);
    judge::assess(result);
    return result;
}

boost::asio::awaitable<probe::TargetResult> probe_and_judge_async(probe::Target target, probe::ProbeOptions options) {
    probe::TargetResult result = co_await probe::probe_target(std::move(target), std::move(options));
    judge::assess(result);
    co_return result;
}


void write_file(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    const auto tmp = target.string() + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw UsageError(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
        f << content;
        if (!f.flush()) throw UsageError(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, target, ec);
    if (ec) throw UsageError(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message()));
}

std::shared_ptr<const x509::TrustStore> load_trust(const std::string& ca_file, const std::string& ca_path) {
    try {
        if (ca_file.empty() && ca_path.empty()) return std::make_shared<x509::TrustStore>(x509::TrustStore::system_default());
        return std::make_shared<x509::TrustStore>(x509::TrustStore::from_locations(ca_file, ca_path));
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
}

probe::Target make_target(std::string_view text, const std::string& sni, bool no_sni, const std::string& connect_to) {
    try {
        auto t = probe::parse_target(text);
        if (!sni.empty() && no_sni) throw UsageError("--sni and --no-sni contradict each other; use one");
        if (!sni.empty()) t.sni = sni;
        if (no_sni) t.sni.reset();
        if (!connect_to.empty()) {
            auto [host, port] = probe::parse_connect_to(connect_to);
            t.connect_to = host;
            t.connect_port = port;
        }
        return t;
    } catch (const probe::TargetError& e) {
        throw UsageError(e.what());
    }
}

bool want_color(bool no_color, const std::string& output) {
    if (no_color || !output.empty()) return false;
    if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
    return isatty(STDOUT_FILENO) != 0;
}

}  // namespace tlsprobe::cli
