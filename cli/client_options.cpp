#include "cli/client_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "cli/cli_common.hpp"
#include "x509/platform_stores.hpp"

namespace tlsprobe::cli {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return std::string(s);
}

// The parsed file, once per path for the whole process.
std::shared_ptr<const wire::ClientData> load_client_data(const std::filesystem::path& file) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const wire::ClientData>> loaded;
    const std::lock_guard lock(mutex);
    auto& slot = loaded[file.string()];
    if (!slot) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        slot = std::make_shared<const wire::ClientData>(wire::parse_client_data(text.str()));
    }
    return slot;
}

}  // namespace

std::vector<std::filesystem::path> client_data_search_path(const std::string& option) {
    std::vector<std::filesystem::path> out;
    if (!option.empty()) return {option};
    if (const char* env = std::getenv(std::string(kClientDataEnv).c_str()); env && *env)
        out.emplace_back(env);
    out.emplace_back("/etc/testssl/client-simulation.txt");
    out.emplace_back("/usr/share/testssl/etc/client-simulation.txt");
    out.emplace_back("/usr/share/testssl/client-simulation.txt");
    return out;
}

void add_client_options(CLI::App& command, ClientArgs& args) {
    command.add_option("--clients", args.clients,
                       "Client simulation: current (the clients still in use), all, none, or "
                       "comma-separated client names (default: current; scan: with --full)");
    command.add_option("--client-data", args.client_data,
                       "The client data file (default: $TLSPROBE_CLIENT_DATA, then the testssl.sh "
                       "package's /etc/testssl/client-simulation.txt)");
    command.add_option("--trust-store-dir", args.trust_store_dir,
                       "Directory of the platform trust stores Mozilla.pem, Microsoft.pem, "
                       "Apple.pem, Java.pem, Linux.pem (default: $TLSPROBE_TRUST_STORE_DIR, "
                       "then /etc/testssl from the testssl.sh package)");
}

std::vector<wire::ClientProfile> select_clients(const std::vector<wire::ClientProfile>& all,
                                                std::string_view selection) {
    std::vector<wire::ClientProfile> out;
    if (selection == "all") return all;
    if (selection == "current") {
        for (const auto& p : all)
            if (p.current) out.push_back(p);
        return out;
    }
    std::vector<std::string> unknown;
    std::stringstream names{std::string(selection)};
    for (std::string name; std::getline(names, name, ',');) {
        const auto wanted = lower(trim(name));
        if (wanted.empty()) continue;
        const auto it = std::find_if(all.begin(), all.end(), [&](const wire::ClientProfile& p) {
            return lower(p.name) == wanted || lower(p.short_name) == wanted;
        });
        if (it == all.end()) {
            unknown.push_back(trim(name));
        } else if (std::none_of(out.begin(), out.end(),
                                [&](const wire::ClientProfile& p) { return p.name == it->name; })) {
            out.push_back(*it);
        }
    }
    if (!unknown.empty() || out.empty())
        throw UsageError(fmt::format(
            "--clients '{}': unknown client{} '{}'; use current, all, none, or names from the "
            "client data (e.g. 'Chrome 101 (Win 10)' or its short name chrome_101_win10)",
            selection, unknown.size() == 1 ? "" : "s", fmt::join(unknown, "', '")));
    return out;
}

void apply_client_options(probe::ProbeOptions& options, const ClientArgs& args,
                          std::string_view default_selection) {
    const std::string selection = args.clients.value_or(std::string(default_selection));
    const bool wanted = std::find(options.checks.begin(), options.checks.end(), "clients") !=
                        options.checks.end();
    if (selection == "none" || selection.empty()) {
        std::erase(options.checks, std::string("clients"));
    }
    // The platform stores: whenever the probe analyses a chain (conclude()).
    std::string dir = args.trust_store_dir;
    if (dir.empty())
        if (const char* env = std::getenv(std::string(kTrustStoreDirEnv).c_str()); env && *env)
            dir = env;
    if (dir.empty()) dir = std::string(x509::kDefaultPlatformStoreDir);
    if (!args.trust_store_dir.empty() && !std::filesystem::is_directory(args.trust_store_dir))
        throw UsageError(fmt::format("--trust-store-dir '{}': no such directory",
                                     args.trust_store_dir));
    options.platform_stores = x509::shared_platform_stores(dir);

    if (!wanted || selection == "none" || selection.empty()) return;
    if (!args.client_data.empty() && !std::filesystem::is_regular_file(args.client_data))
        throw UsageError(fmt::format("--client-data '{}': no such file", args.client_data));
    std::filesystem::path found;
    for (const auto& p : client_data_search_path(args.client_data))
        if (std::error_code ec; std::filesystem::is_regular_file(p, ec)) {
            found = p;
            break;
        }
    if (found.empty()) {
        options.client_data_note =
            "client simulation skipped: no client data (install the testssl.sh package, or "
            "give --client-data FILE)";
        return;
    }
    const auto data = load_client_data(found);
    if (data->profiles.empty()) {
        options.client_data_note = fmt::format(
            "client simulation skipped: {} holds no usable client ({} warnings)", found.string(),
            data->warnings.size());
        return;
    }
    options.client_profiles = std::make_shared<const std::vector<wire::ClientProfile>>(
        select_clients(data->profiles, selection));
}

}  // namespace tlsprobe::cli
