#include "cli/cli_common.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.hpp"
#include "engine/engines.hpp"
#include "core/text.hpp"
#include "judge/verdict.hpp"
#include "probe/check.hpp"

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
    command
        .add_option("--timeout", args.timeout,
                    "Per connection phase (connect, handshake): 5s, 500ms ...")
        ->capture_default_str();
    command
        .add_option("--resolve", args.resolve,
                    "Address records to ask for: any (A and AAAA), ipv4 (A), ipv6 (AAAA)")
        ->capture_default_str();
    command
        .add_option("--prefer", args.prefer,
                    "When a name has IPv4 and IPv6 addresses, which is probed: system "
                    "(RFC 6724 order, as getaddrinfo), ipv4, ipv6")
        ->capture_default_str();
    command.add_option("--dns-server", args.dns_servers,
                       "DNS servers to ask instead of /etc/resolv.conf: ADDR[:PORT],... "
                       "([v6]:PORT for IPv6 with a port)");
}

std::shared_ptr<engine::HostResolver> make_resolver(const CommonProbeArgs& args) {
    engine::ResolverOptions o;
    if (args.resolve == "ipv4")
        o.family = engine::AddressFamily::ipv4;
    else if (args.resolve == "ipv6")
        o.family = engine::AddressFamily::ipv6;
    else if (args.resolve != "any")
        throw UsageError(
            fmt::format("--resolve: '{}' is not one of any, ipv4, ipv6", args.resolve));
    if (args.prefer == "ipv4")
        o.prefer = engine::AddressPreference::ipv4;
    else if (args.prefer == "ipv6")
        o.prefer = engine::AddressPreference::ipv6;
    else if (args.prefer != "system")
        throw UsageError(
            fmt::format("--prefer: '{}' is not one of system, ipv4, ipv6", args.prefer));
    std::string_view rest = args.dns_servers;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) o.servers.emplace_back(item);
    }
    try {
        return std::make_shared<engine::HostResolver>(std::move(o));
    } catch (const std::exception& e) {
        throw UsageError(fmt::format("--dns-server: {}", e.what()));
    }
}

void add_trust_options(CLI::App& command, CommonProbeArgs& args) {
    command.add_option(
        "--ca-file", args.ca_file,
        "Trust anchors (PEM or DER) instead of the system store, e.g. a private root");
    command.add_option("--ca-path", args.ca_path,
                       "Directory of hashed trust anchors (c_rehash layout)");
}

void add_client_certificate_options(CLI::App& command, CommonProbeArgs& args) {
    command.add_option("--client-cert", args.client_cert,
                       "Client certificate (PEM, then its chain) to present when the server asks "
                       "for one; with --client-key");
    command.add_option("--client-key", args.client_key,
                       "Private key (PEM, unencrypted) of --client-cert");
}

std::shared_ptr<const engine::ClientIdentity> load_client_certificate(const std::string& cert,
                                                                      const std::string& key) {
    if (cert.empty() && key.empty()) return nullptr;
    if (key.empty()) throw UsageError("--client-cert needs --client-key (the certificate's key)");
    if (cert.empty()) throw UsageError("--client-key needs --client-cert (the certificate)");
    try {
        return engine::load_client_identity(cert, key);
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
}

probe::ProbeOptions common_probe_options(const CommonProbeArgs& args) {
    probe::ProbeOptions options;
    options.timeout = duration_option("--timeout", args.timeout);
    options.trust = load_trust(args.ca_file, args.ca_path);
    options.client_identity = load_client_certificate(args.client_cert, args.client_key);
    options.connections_per_target = args.connections;
    options.engines = engine::network_engines(make_resolver(args));
    return options;
}

probe::TargetResult probe_and_judge(const probe::Target& target,
                                    const probe::ProbeOptions& options) {
    auto result = probe::probe_target_blocking(target, options);
    judge::assess(result);
    return result;
}

boost::asio::awaitable<probe::TargetResult> probe_and_judge_async(probe::Target target,
                                                                  probe::ProbeOptions options) {
    probe::TargetResult result =
        co_await probe::probe_target(std::move(target), std::move(options));
    judge::assess(result);
    co_return result;
}

void write_file(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    std::error_code ec;
    if (std::filesystem::is_directory(target, ec))
        throw UsageError(fmt::format("cannot write '{}': it is a directory", path));
    const auto tmp = target.string() + ".tmp";
    // Every failure below removes FILE.tmp: no half-written leftovers beside the report.
    auto fail = [&tmp](std::string message) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw UsageError(std::move(message));
    };
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) fail(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
        f << content;
        if (!f.flush()) fail(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
    }
    std::filesystem::rename(tmp, target, ec);
    if (ec) fail(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message()));
}

void check_output_path(std::string_view option, const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty()) throw UsageError(fmt::format("{}: the file name is empty", option));
    const fs::path p(path);
    std::error_code ec;
    if (fs::is_directory(p, ec))
        throw UsageError(fmt::format("{} '{}' is a directory; expected a file name", option, path));
    const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
        throw UsageError(fmt::format("{} '{}': the directory '{}' does not exist", option, path,
                                     parent.string()));
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        throw UsageError(fmt::format("{} '{}': cannot write in the directory '{}': {}", option,
                                     path, parent.string(), std::strerror(errno)));
    if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0)
        throw UsageError(
            fmt::format("{} '{}': cannot write the file: {}", option, path, std::strerror(errno)));
}

std::shared_ptr<const x509::TrustStore> load_trust(const std::string& ca_file,
                                                   const std::string& ca_path) {
    try {
        if (ca_file.empty() && ca_path.empty())
            return std::make_shared<x509::TrustStore>(x509::TrustStore::system_default());
        return std::make_shared<x509::TrustStore>(
            x509::TrustStore::from_locations(ca_file, ca_path));
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
}

probe::Target make_target(std::string_view text, const std::string& sni, bool no_sni,
                          const std::string& connect_to) {
    try {
        auto t = probe::parse_target(text);
        if (!sni.empty() && no_sni)
            throw UsageError("--sni and --no-sni contradict each other; use one");
        if (!sni.empty()) {
            if (probe::is_ip_literal(sni))
                throw UsageError(fmt::format(
                    "--sni '{}' is an IP address; RFC 6066 §3 allows only host names (--no-sni "
                    "sends none)",
                    core::to_safe_utf8(sni)));
            try {
                t.sni = probe::normalize_host_name(sni).ascii;
            } catch (const probe::TargetError& e) {
                throw UsageError(fmt::format("--sni {}", e.what()));
            }
        }
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

void add_width_option(CLI::App& command, std::string& width) {
    command.add_option("--width", width,
                       fmt::format("Wrap text at N columns ({}-{}; default: the terminal's "
                                   "width, {} when not a terminal)",
                                   kMinWidth, kMaxWidth, kDefaultWidth));
}

std::size_t text_width(const std::string& width, const std::string& output) {
    if (!width.empty()) {
        std::size_t n = 0;
        const bool digits = width.size() <= 4 &&
                            width.find_first_not_of("0123456789") == std::string::npos;
        if (digits) n = std::stoul(width);
        if (!digits || n < kMinWidth || n > kMaxWidth)
            throw UsageError(fmt::format("--width: '{}' is not a number of columns from {} to {}",
                                         width, kMinWidth, kMaxWidth));
        return n;
    }
    if (!output.empty() && output != "-") return kDefaultWidth;
    winsize size{};
    if (isatty(STDOUT_FILENO) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 ||
        size.ws_col == 0)
        return kDefaultWidth;
    return std::clamp<std::size_t>(size.ws_col, kMinWidth, kMaxWidth);
}

void add_upgrade_options(CLI::App& command, UpgradeArgs& args) {
    std::string names;
    for (auto p : wire::starttls_protocols())
        names += (names.empty() ? "" : ", ") + std::string(wire::to_string(p));
    command.add_option("--starttls", args.starttls,
                       "Upgrade a plaintext connection before TLS: " + names +
                           " (or use the URL scheme, e.g. smtp://host)");
    command.add_option("--xmpp-domain", args.xmpp_domain,
                       "XMPP: the domain of the stream (default: the host); also the SNI");
}

void apply_upgrade(probe::Target& target, std::string_view text, const UpgradeArgs& args,
                   bool sni_set) {
    if (!args.starttls.empty()) {
        const auto protocol = wire::parse_starttls(args.starttls);
        if (!protocol) {
            std::string names;
            for (auto p : wire::starttls_protocols())
                names += (names.empty() ? "" : ", ") + std::string(wire::to_string(p));
            throw UsageError(fmt::format("--starttls '{}': unknown protocol (expected one of {})",
                                         core::to_safe_utf8(args.starttls), names));
        }
        if (target.starttls != wire::StartTls::none && target.starttls != *protocol)
            throw UsageError(fmt::format("--starttls {} contradicts the target's scheme ({})",
                                         wire::to_string(*protocol),
                                         wire::to_string(target.starttls)));
        // No port and no scheme in the target: the protocol's own port.
        bool port_given = true;
        try {
            port_given = probe::parse_target(text, 0).port != 0;
        } catch (const probe::TargetError&) {
        }
        if (!port_given) target.port = wire::default_port(*protocol);
        target.starttls = *protocol;
    }
    if (!args.xmpp_domain.empty()) {
        if (target.starttls != wire::StartTls::xmpp && target.starttls != wire::StartTls::xmpp_server)
            throw UsageError("--xmpp-domain applies to XMPP only (xmpp:// or --starttls xmpp)");
        try {
            target.xmpp_domain = probe::normalize_host_name(args.xmpp_domain).ascii;
        } catch (const probe::TargetError& e) {
            throw UsageError(fmt::format("--xmpp-domain {}", e.what()));
        }
        if (!sni_set) target.sni = target.xmpp_domain;
    }
}

bool want_color(bool no_color, const std::string& output) {
    if (no_color || (!output.empty() && output != "-")) return false;
    if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
    return isatty(STDOUT_FILENO) != 0;
}

}  // namespace tlsprobe::cli

namespace tlsprobe::cli {

std::vector<std::string> default_checks(bool intrusive) {
    std::vector<std::string> ids;
    for (const auto* kind : probe::check_kinds())
        if (intrusive || !kind->intrusive()) ids.emplace_back(kind->id());
    return ids;
}

std::vector<std::string> parse_checks(std::string_view text) {
    if (text == "all") return default_checks(true);
    if (text == "safe") return default_checks(false);
    if (text == "none") return {};
    std::vector<std::string> wanted;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != ',') continue;
        const std::string id(text.substr(start, i - start));
        start = i + 1;
        if (!probe::find_check_kind(id))
            throw UsageError(fmt::format(
                "--checks '{}': unknown check '{}'; the checks are {} (or all, safe, none)",
                core::to_safe_utf8(text), core::to_safe_utf8(id),
                fmt::join(default_checks(true), ", ")));
        wanted.push_back(id);
    }
    // Registry order, each once.
    std::vector<std::string> ids;
    for (const auto& id : default_checks(true))
        if (std::find(wanted.begin(), wanted.end(), id) != wanted.end()) ids.push_back(id);
    return ids;
}

}  // namespace tlsprobe::cli
