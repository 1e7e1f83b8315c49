// Pieces every subcommand of the command line shares (tlsprobe::cli, the composition root).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/host_resolver.hpp"
#include "probe/probe_target.hpp"
#include "probe/target.hpp"
#include "x509/trust_store.hpp"

namespace CLI {
class App;
}

namespace tlsprobe::cli {

// Bad input a person typed (an option, a file, a policy): printed as "tlsprobe: <what>",
// exit code 2 (kUsage). The only usage-error type of the command line.
class UsageError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The one mapping from an exception to an exit code: runs `body` and returns its code; a
// UsageError prints "tlsprobe: <what>" and gives kUsage, any other exception prints
// "tlsprobe: internal error: <what>" and gives kInternal. Never throws (but for `err`).
int run_guarded(std::ostream& err, const std::function<int()>& body);

// A duration option ("5s", "500ms" ...; parse_duration). Throws UsageError "FLAG: reason".
std::chrono::milliseconds duration_option(std::string_view flag, const std::string& value);

// The options every probing subcommand (probe, check, scan, demo) takes the same way.
struct CommonProbeArgs {
    std::string timeout = "5s";    // --timeout, per connection phase (connect, handshake)
    std::string ca_file, ca_path;  // --ca-file / --ca-path; both empty = the system store
    std::size_t connections = 8;   // --connections: connections to one target at once
    // --client-cert / --client-key (PEM): presented when a server asks for a client
    // certificate; both or neither.
    std::string client_cert, client_key;
    // Name resolution: --resolve any|ipv4|ipv6 (which records), --prefer system|ipv4|ipv6
    // (which address is probed when a name has several), --dns-server ADDR[:PORT],...
    std::string resolve = "any", prefer = "system", dns_servers;
};

// Registers --timeout and the name-resolution options (--resolve, --prefer, --dns-server) on
// a subcommand, bound to `args`.
void add_timeout_option(CLI::App& command, CommonProbeArgs& args);
// The resolver the name-resolution options describe (c-ares). Throws UsageError naming the
// option and the bad value.
std::shared_ptr<engine::HostResolver> make_resolver(const CommonProbeArgs& args);
void add_trust_options(CLI::App& command, CommonProbeArgs& args);
void add_client_certificate_options(CLI::App& command, CommonProbeArgs& args);

// ProbeOptions from the common options: the timeout (UsageError naming --timeout), the trust
// store (load_trust), the client certificate (load_client_certificate), the connections per
// target and the network engines with make_resolver()'s resolver; every other field its
// default.
probe::ProbeOptions common_probe_options(const CommonProbeArgs& args);

// Writes via FILE.tmp and a rename, so an interrupted run never leaves half a report.
// Throws UsageError naming the file when it cannot be written; FILE.tmp is removed on
// every failure.
void write_file(const std::string& path, const std::string& content);

// Checks, before any work starts, that `path` (the value of `option`, e.g. "--jsonl") can be
// written: not a directory, in a directory that exists and is writable, and writable itself
// when it exists. Throws UsageError naming the option and the path.
void check_output_path(std::string_view option, const std::string& path);

// The trust store from --ca-file/--ca-path, else the system store. Throws UsageError.
std::shared_ptr<const x509::TrustStore> load_trust(const std::string& ca_file,
                                                   const std::string& ca_path);

// The --client-cert/--client-key pair, loaded and checked; null when both are empty. Throws
// UsageError naming the file and OpenSSL's reason (or the missing half of the pair).
std::shared_ptr<const engine::ClientIdentity> load_client_certificate(const std::string& cert,
                                                                      const std::string& key);

// Colour on standard output: not with --no-color, not when writing to a file (`output` set),
// not when NO_COLOR is set (https://no-color.org), and only on a terminal.
bool want_color(bool no_color, const std::string& output = {});

// --width N on a subcommand that renders text for a person, bound to `width` ("" = not
// given).
void add_width_option(CLI::App& command, std::string& width);
inline constexpr std::size_t kMinWidth = 40, kMaxWidth = 1000, kDefaultWidth = 80;
// The columns text reports wrap to: --width N when given (kMinWidth..kMaxWidth, else a
// UsageError naming the value); else, when the report goes to standard output (`output`
// empty or "-") and that is a terminal, the terminal's width (TIOCGWINSZ), kept within
// kMinWidth..kMaxWidth; else kDefaultWidth.
std::size_t text_width(const std::string& width, const std::string& output = {});

// A target from the command line: TARGET parsed, then --sni / --no-sni / --connect-to
// applied. Throws UsageError naming the bad value.
probe::Target make_target(std::string_view text, const std::string& sni, bool no_sni,
                          const std::string& connect_to);

// --starttls PROTO and --xmpp-domain NAME (probe, check).
struct UpgradeArgs {
    std::string starttls;     // a wire::parse_starttls() name; empty = from the URL scheme
    std::string xmpp_domain;  // XMPP stream domain; empty = the host
};
void add_upgrade_options(CLI::App& command, UpgradeArgs& args);
// Applies --starttls / --xmpp-domain to a target made from `text`: the protocol (a URL scheme
// that says otherwise is a UsageError), its default port when `text` names none, the XMPP
// domain (also the SNI unless --sni/--no-sni said otherwise: `sni_set`). Throws UsageError.
void apply_upgrade(probe::Target& target, std::string_view text, const UpgradeArgs& args,
                   bool sni_set);
// The check kinds `--checks TEXT` selects (probe/checks.cpp), in registry order: a comma-
// separated list of ids, `all` (every kind), `safe` (the non-intrusive ones) or `none`.
// Throws UsageError naming an unknown id and listing the known ones.
std::vector<std::string> parse_checks(std::string_view text);
// Every registered check kind's id; with `intrusive` false only the kinds that send nothing
// unusual.
std::vector<std::string> default_checks(bool intrusive);

// Probes one target and judges it (probe::probe_target, then judge::assess).
probe::TargetResult probe_and_judge(const probe::Target& target,
                                    const probe::ProbeOptions& options);
boost::asio::awaitable<probe::TargetResult> probe_and_judge_async(probe::Target target,
                                                                  probe::ProbeOptions options);

}  // namespace tlsprobe::cli
