#include "cli/cli_common.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "judge/verdict.hpp"

namespace tlsprobe::cli {

int run_guarded(std::ostream& err, const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        err << "tlsprobe: " << e.what() << '\n';
        return kUsage;
    } catch (const std::exception& e) {
        err << "tlsprobe: internal error: " << e.what() << '\n';
        return kInternal;
    } catch (...) {
        err << "tlsprobe: internal error: an unknown exception\n";
        return kInternal;
    }
}

std::chrono::milliseconds duration_option(std::string_view flag, const std::string& value) {
    try {
        return parse_duration(value);
    } catch (const std::invalid_argument& e) {
        throw UsageError(fmt::format("{}: {}", flag, e.what()));
    }
}

void add_timeout_option(CLI::App& command, CommonProbeArgs& args) {
    command.add_option("--timeout", args.timeout, "Per connection phase (connect, handshake): 5s, 500ms ...")->capture_default_str();
}

void add_trust_options(CLI::App& command, CommonProbeArgs& args) {
    command.add_option("--ca-file", args.ca_file, "Trust anchors (PEM or DER) instead of the system store, e.g. a private root");
    command.add_option("--ca-path", args.ca_path, "Directory of hashed trust anchors (c_rehash layout)");
}

probe::ProbeOptions common_probe_options(const CommonProbeArgs& args) {
    probe::ProbeOptions options;
    options.timeout = duration_option("--timeout", args.timeout);
    options.trust = load_trust(args.ca_file, args.ca_path);
    options.connections_per_target = args.connections;
    return options;
}

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
