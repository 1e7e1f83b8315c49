#include "probe/cipher_enumeration.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "engine/scheduling.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::probe {

using core::display_name;
using core::Version;
using engine::for_each_bounded;
namespace asio = boost::asio;

namespace {

using Items = std::vector<std::uint32_t>;
using Task = std::function<asio::awaitable<void>()>;

bool contains(const Items& items, std::uint32_t x) {
    return std::find(items.begin(), items.end(), x) != items.end();
}

std::size_t index_of(Version v) { return static_cast<std::size_t>(v); }

// `items` in `blocks` interleaved blocks (item i goes to block i % blocks), so that the
// accepted suites, which cluster at the strong end of the candidate list, spread evenly.
std::vector<Items> split_interleaved(const Items& items, std::size_t max_per_block) {
    const std::size_t n = std::max<std::size_t>(
        1, (items.size() + max_per_block - 1) / std::max<std::size_t>(1, max_per_block));
    std::vector<Items> out(n);
    for (std::size_t i = 0; i < items.size(); ++i) out[i % n].push_back(items[i]);
    return out;
}

struct Pick {
    std::uint32_t item = 0;
    ServerChoice choice;
};

// The state every task of one enumeration shares. Single-threaded executor: no locks.
struct Run {
    HelloFn hello;
    EnumerationOptions options;
    CipherEnumeration result;

    // Phase 1 output: one walk per block, per version (one block unless split).
    std::array<std::vector<std::vector<Pick>>, 6> chains;
    // Phase 2 output: the group walks, and the forward (the walk's first pick, or a hello of
    // its own when the suites were split) and reversed picks.
    std::array<std::vector<std::vector<Pick>>, 6> group_chains;
    std::array<std::optional<ServerChoice>, 6> forward, reverse, group_reverse;
    // TLS 1.3: the server refused hellos without key shares; the walk used them.
    std::array<bool, 6> suite_key_shares{}, group_key_shares{};

    VersionCiphers& at(Version v) { return result.versions[index_of(v)]; }
    // TLS 1.3 hellos go without key shares (the server names its group in a
    // HelloRetryRequest) unless it refused such hellos in the suite walk.
    bool key_shares(Version v) const {
        return v != Version::tls1_3 || suite_key_shares[index_of(v)];
    }

    void error(Version v, std::string what) {
        result.errors.push_back(fmt::format("{}: {}", display_name(v), what));
        at(v).errors.push_back(std::move(what));
    }

    asio::awaitable<ServerChoice> send(HelloRequest request) {
        const Version v = request.version;
        if (result.connections >= options.max_connections) {
            ServerChoice c;
            c.detail = fmt::format("connection budget of {} exhausted", options.max_connections);
            co_return c;
        }
        ++result.connections;
        ++at(v).connections;
        ServerChoice c = co_await hello(std::move(request));
        co_return c;
    }
};

std::string item_text(std::uint32_t item, bool is_group) {
    return is_group ? fmt::format("group {}", wire::group_name(static_cast<std::uint16_t>(item)))
                    : wire::cipher_suite_name(item);
}

// How a walk ended.
struct WalkEnd {
    bool at_first = false;  // the first hello ended it: nothing was accepted
    ServerChoice::Outcome outcome = ServerChoice::Outcome::refused;  // of the last hello
};

// "Offer everything, remove what the server picks, repeat" over `items` (suites or groups).
// Stops when the server refuses (the normal end), fails (recorded as an error), or picks
// something outside the offer (a broken server, recorded). `quiet_first`: a failure of the
// very first hello is not recorded, because the caller retries the walk another way.
asio::awaitable<WalkEnd> run_chain(Run& run, HelloRequest base, Items items, bool is_group,
                                   std::vector<Pick>& picks, bool quiet_first = false) {
    const std::size_t bound = items.size() + 1;
    for (std::size_t step = 0; step < bound && !items.empty(); ++step) {
        HelloRequest request = base;
        if (is_group) request.groups.assign(items.begin(), items.end());
        else request.cipher_suites = items;
        ServerChoice choice = co_await run.send(std::move(request));
        if (choice.outcome == ServerChoice::Outcome::refused) co_return WalkEnd{step == 0, choice.outcome};
        if (choice.outcome == ServerChoice::Outcome::failed) {
            if (!(quiet_first && step == 0))
                run.error(base.version,
                          fmt::format("{} with {} {} offered: {}", is_group ? "groups" : "suites",
                                      items.size(), is_group ? "groups" : "suites", choice.detail));
            co_return WalkEnd{step == 0, choice.outcome};
        }
        const std::optional<std::uint32_t> item =
            is_group ? std::optional<std::uint32_t>(choice.group) : choice.cipher_suite;
        if (!item || !contains(items, *item)) {
            run.error(base.version,
                      item ? fmt::format("the server chose {}, which was not offered",
                                         item_text(*item, is_group))
                           : std::string("the server's answer did not show the group it chose"));
            co_return WalkEnd{false, ServerChoice::Outcome::failed};
        }
        items.erase(std::find(items.begin(), items.end(), *item));
        picks.push_back({*item, std::move(choice)});
    }
    co_return WalkEnd{false, ServerChoice::Outcome::chose};
}

asio::awaitable<void> run_ssl2(Run& run) {
    HelloRequest request;
    request.version = Version::ssl2;
    request.cipher_suites = enumeration_candidates(Version::ssl2);
    const Items offered = request.cipher_suites;
    ServerChoice choice = co_await run.send(std::move(request));
    if (choice.outcome == ServerChoice::Outcome::failed) {
        run.error(Version::ssl2, choice.detail);
        co_return;
    }
    if (choice.outcome != ServerChoice::Outcome::chose) co_return;
    auto& chain = run.chains[index_of(Version::ssl2)].emplace_back();
    for (auto c : choice.ssl2_ciphers)
        if (contains(offered, c)) chain.push_back({c, {}});
}

AcceptedSuite accepted(std::uint32_t code, const ServerChoice& c) {
    AcceptedSuite a;
    a.code = code;
    a.name = wire::cipher_suite_name(code);
    if (const auto* s = wire::find_cipher_suite(code)) {
        a.strength = s->strength;
        a.forward_secrecy = s->forward_secrecy;
    }
    if (c.group) a.group = wire::group_name(*c.group);
    if (c.dh_bits) {
        a.dh_bits = c.dh_bits;
        a.dh = c.dh;
        if (a.group.empty()) a.group = fmt::format("DH {}", *c.dh_bits);
    }
    return a;
}

// After phase 1: the accepted suites in the client's (candidate) order.
void collect_suites(Run& run, Version v) {
    std::map<std::uint32_t, const ServerChoice*> found;
    for (const auto& chain : run.chains[index_of(v)])
        for (const auto& p : chain) found.emplace(p.item, &p.choice);
    auto& out = run.at(v).suites;
    if (v == Version::ssl2) {  // the server's own list order
        for (const auto& chain : run.chains[index_of(v)])
            for (const auto& p : chain) out.push_back(accepted(p.item, p.choice));
        return;
    }
    for (auto code : enumeration_candidates(v))
        if (const auto it = found.find(code); it != found.end())
            out.push_back(accepted(code, *it->second));
}

asio::awaitable<void> run_preference_probe(Run& run, Version v, bool reversed) {
    HelloRequest request;
    request.version = v;
    request.key_shares = run.key_shares(v);
    for (const auto& s : run.at(v).suites) request.cipher_suites.push_back(s.code);
    if (reversed) std::reverse(request.cipher_suites.begin(), request.cipher_suites.end());
    ServerChoice choice = co_await run.send(std::move(request));
    if (choice.outcome != ServerChoice::Outcome::chose)
        run.error(v, fmt::format("server preference test ({} order): {}",
                                 reversed ? "reversed" : "forward", choice.detail));
    (reversed ? run.reverse : run.forward)[index_of(v)] = std::move(choice);
}

void judge_preference(Run& run, Version v) {
    auto& vc = run.at(v);
    const auto& f = run.forward[index_of(v)];
    const auto& r = run.reverse[index_of(v)];
    if (!f || !r || f->outcome != ServerChoice::Outcome::chose ||
        r->outcome != ServerChoice::Outcome::chose)
        return;
    if (f->cipher_suite == r->cipher_suite) {
        vc.server_preference = true;
    } else if (f->cipher_suite == vc.suites.front().code &&
               r->cipher_suite == vc.suites.back().code) {
        vc.server_preference = false;
    } else {
        run.error(v,
                  fmt::format("server preference unclear: offered forward it chose {}, reversed {}",
                              wire::cipher_suite_name(f->cipher_suite),
                              wire::cipher_suite_name(r->cipher_suite)));
    }
}

// With one walk, a server that enforces its order picked its favourite of what was left each
// time: the walk is that order.
void take_walk_order(Run& run, Version v) {
    const auto& chains = run.chains[index_of(v)];
    auto& suites = run.at(v).suites;
    if (chains.size() != 1 || chains.front().size() != suites.size()) return;
    std::vector<AcceptedSuite> sorted;
    for (const auto& p : chains.front()) {
        const auto it = std::find_if(suites.begin(), suites.end(),
                                     [&](const auto& s) { return s.code == p.item; });
        if (it == suites.end()) return;
        sorted.push_back(*it);
    }
    suites = std::move(sorted);
}

// The group walk's order is the server's when, offered the accepted groups reversed, it
// still picks the walk's first; it is ours (the offer's) when it picks the reversed first.
asio::awaitable<void> run_group_reverse(Run& run, Version v, Items suites) {
    HelloRequest request;
    request.version = v;
    request.cipher_suites = std::move(suites);
    const auto& groups = run.at(v).groups;
    request.groups.assign(groups.rbegin(), groups.rend());
    request.key_shares = v != Version::tls1_3;
    ServerChoice choice = co_await run.send(std::move(request));
    if (choice.outcome != ServerChoice::Outcome::chose)
        run.error(v, fmt::format("group preference test: {}", choice.detail));
    run.group_reverse[index_of(v)] = std::move(choice);
}

void judge_group_preference(Run& run, Version v) {
    auto& vc = run.at(v);
    const auto& r = run.group_reverse[index_of(v)];
    if (!r || r->outcome != ServerChoice::Outcome::chose || !r->group || vc.groups.size() < 2)
        return;
    if (*r->group == vc.groups.front()) vc.group_server_preference = true;
    else if (*r->group == vc.groups.back()) vc.group_server_preference = false;
}

// Phase 3: each phase-1 chain lists its block's suites in the server's order; merge them by
// offering the heads until one chain is left.
asio::awaitable<void> run_merge(Run& run, Version v) {
    std::vector<std::vector<std::uint32_t>> chains;
    for (const auto& chain : run.chains[index_of(v)]) {
        std::vector<std::uint32_t> c;
        for (const auto& p : chain) c.push_back(p.item);
        if (!c.empty()) chains.push_back(std::move(c));
    }
    std::vector<std::uint32_t> order;
    std::optional<std::uint32_t> known_top = run.forward[index_of(v)]->cipher_suite;
    const std::size_t bound = run.at(v).suites.size() + 1;
    for (std::size_t step = 0; step < bound; ++step) {
        std::erase_if(chains, [](const auto& c) { return c.empty(); });
        if (chains.empty()) break;
        if (chains.size() == 1) {
            order.insert(order.end(), chains.front().begin(), chains.front().end());
            break;
        }
        std::uint32_t top = 0;
        if (known_top) {  // the forward preference probe already saw the overall favourite
            top = *known_top;
            known_top.reset();
        } else {
            HelloRequest request;
            request.version = v;
            request.key_shares = run.key_shares(v);
            for (const auto& c : chains) request.cipher_suites.push_back(c.front());
            const Items heads = request.cipher_suites;
            ServerChoice choice = co_await run.send(std::move(request));
            if (choice.outcome != ServerChoice::Outcome::chose ||
                !contains(heads, choice.cipher_suite)) {
                run.error(v, "ordering the server's preference: " +
                                 (choice.detail.empty()
                                      ? std::string("the server chose a suite that was not offered")
                                      : choice.detail));
                co_return;  // keep the client order: the server order is unknown
            }
            top = choice.cipher_suite;
        }
        auto it = std::find_if(chains.begin(), chains.end(),
                               [&](const auto& c) { return c.front() == top; });
        if (it == chains.end()) {
            run.error(v, fmt::format("ordering the server's preference: {} heads no block",
                                     wire::cipher_suite_name(top)));
            co_return;
        }
        order.push_back(top);
        it->erase(it->begin());
    }
    auto& suites = run.at(v).suites;
    if (order.size() != suites.size()) co_return;
    std::vector<AcceptedSuite> sorted;
    for (auto code : order)
        sorted.push_back(*std::find_if(suites.begin(), suites.end(),
                                       [&](const auto& s) { return s.code == code; }));
    suites = std::move(sorted);
}

// The suites a group enumeration offers: TLS 1.3, every accepted suite; below, the ECDHE ones.
Items group_probe_suites(const VersionCiphers& vc) {
    Items out;
    for (const auto& s : vc.suites) {
        const auto* cs = wire::find_cipher_suite(s.code);
        if (vc.version == Version::tls1_3 || (cs && cs->kx == wire::KeyExchange::ecdhe))
            out.push_back(s.code);
    }
    return out;
}

// One block of a walk split from the start (explicit max_suites_per_hello / max_groups_...).
asio::awaitable<void> walk_block(Run& run, HelloRequest base, Items items, bool is_group,
                                 std::vector<Pick>& picks) {
    co_await run_chain(run, std::move(base), std::move(items), is_group, picks);
}

// Phase 1 for one version (not SSL 2.0) whose candidates fit one hello: the walk over all of
// them. TLS 1.3 offers no key share (HelloRetryRequests); a server that refuses that gets the
// walk with key shares. A long list refused at once is walked again in blocks (intolerance).
asio::awaitable<void> run_suite_walk(Run& run, Version v) {
    const Items candidates = enumeration_candidates(v);
    auto& chains = run.chains[index_of(v)];
    chains.assign(1, {});
    HelloRequest base;
    base.version = v;
    const bool tls13 = v == Version::tls1_3;
    const std::size_t block = run.options.intolerant_suites_per_hello;
    const bool can_split = block > 0 && candidates.size() > block;
    base.key_shares = !tls13;
    WalkEnd end = co_await run_chain(run, base, candidates, false, chains[0], tls13 || can_split);
    if (!end.at_first) co_return;
    if (tls13) {
        run.suite_key_shares[index_of(v)] = true;
        base.key_shares = true;
        end = co_await run_chain(run, base, candidates, false, chains[0], can_split);
        if (!end.at_first) co_return;
    }
    if (!can_split) co_return;
    auto blocks = split_interleaved(candidates, block);
    chains.assign(blocks.size(), {});
    for (std::size_t b = 0; b < blocks.size(); ++b)
        co_await run_chain(run, base, std::move(blocks[b]), false, chains[b]);
}

// Phase 2 for one version: the walk over every candidate group with `suites` offered.
// TLS 1.3 without key shares first, as the suite walk.
asio::awaitable<void> run_group_walk(Run& run, Version v, Items suites) {
    const auto all = enumeration_groups(v);
    const Items groups(all.begin(), all.end());
    auto& chains = run.group_chains[index_of(v)];
    chains.assign(1, {});
    HelloRequest base;
    base.version = v;
    base.cipher_suites = std::move(suites);
    // Without key shares only where the suite walk showed the server answers such hellos.
    const bool without = v == Version::tls1_3 && !run.suite_key_shares[index_of(v)];
    run.group_key_shares[index_of(v)] = v == Version::tls1_3 && !without;
    base.key_shares = !without;
    const WalkEnd end = co_await run_chain(run, base, groups, true, chains[0], without);
    if (!without || !end.at_first) co_return;
    run.group_key_shares[index_of(v)] = true;
    base.key_shares = true;
    co_await run_chain(run, base, groups, true, chains[0]);
}

asio::awaitable<void> run_all(std::size_t limit, std::vector<Task>& tasks) {
    co_await for_each_bounded(tasks.size(), limit, [&](std::size_t i) { return tasks[i](); });
}

}  // namespace

std::string_view to_string(ServerChoice::Outcome o) {
    switch (o) {
        case ServerChoice::Outcome::chose: return "chose";
        case ServerChoice::Outcome::refused: return "refused";
        case ServerChoice::Outcome::failed: return "failed";
    }
    return "failed";
}

std::vector<std::uint32_t> enumeration_candidates(Version v) {
    if (v == Version::ssl2) return wire::cipher_suites_for(Version::ssl2);
    wire::HelloOptions o;
    if (v == Version::tls1_3) {  // the preset order without making key shares
        Items out;
        for (auto c : wire::cipher_suites_for(v)) out.push_back(c);
        return out;
    }
    const auto spec = wire::preset_client_hello(v, o);
    return Items(spec.cipher_suites.begin(), spec.cipher_suites.end());
}

std::vector<std::uint16_t> enumeration_groups(Version v) {
    auto groups = wire::default_supported_groups();
    if (v < Version::tls1_3) {
        std::erase_if(groups, [](std::uint16_t g) {
            return g >= wire::group::ffdhe2048 && g <= wire::group::ffdhe8192;
        });
        // The small curves of RFC 4492 as well, so a server still offering one is seen
        // (kex.weak_curve); TLS 1.3 has none of them.
        for (auto g : wire::weak_ec_groups())
            if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    return groups;
}

asio::awaitable<CipherEnumeration> enumerate_ciphers(HelloFn hello, EnumerationOptions options) {
    Run run{std::move(hello), std::move(options), {}, {}, {}, {}, {}, {}, {}};
    const auto& opt = run.options;
    const std::size_t limit = std::max<std::size_t>(1, opt.concurrency);
    for (auto v : opt.versions) {
        run.at(v).version = v;
        run.at(v).enumerated = true;
    }
    for (auto v : core::all_versions) run.at(v).version = v;

    // Phase 1: accepted suites.
    std::vector<Task> tasks;
    for (auto v : opt.versions) {
        if (v == Version::ssl2) {
            tasks.push_back([&run] { return run_ssl2(run); });
            continue;
        }
        const auto candidates = enumeration_candidates(v);
        if (opt.max_suites_per_hello == 0 || candidates.size() <= opt.max_suites_per_hello) {
            tasks.push_back([&run, v] { return run_suite_walk(run, v); });
            continue;
        }
        auto blocks = split_interleaved(candidates, opt.max_suites_per_hello);
        run.chains[index_of(v)].resize(blocks.size());
        for (std::size_t b = 0; b < blocks.size(); ++b) {
            HelloRequest base;
            base.version = v;
            tasks.push_back(
                [&run, base, items = std::move(blocks[b]), &picks = run.chains[index_of(v)][b]] {
                    return walk_block(run, base, items, false, picks);
                });
        }
    }
    co_await run_all(limit, tasks);
    for (auto v : opt.versions) collect_suites(run, v);

    // Phase 2: preference probes and groups.
    tasks.clear();
    for (auto v : opt.versions) {
        const auto& vc = run.at(v);
        const bool one_walk = run.chains[index_of(v)].size() == 1;
        if (opt.preference && v != Version::ssl2 && vc.suites.size() >= 2) {
            if (one_walk) run.forward[index_of(v)] = run.chains[index_of(v)].front().front().choice;
            else tasks.push_back([&run, v] { return run_preference_probe(run, v, false); });
            tasks.push_back([&run, v] { return run_preference_probe(run, v, true); });
        }
        auto suites = group_probe_suites(vc);
        if (!opt.groups || v < Version::tls1_0 || suites.empty()) continue;
        const auto groups = enumeration_groups(v);
        if (opt.max_groups_per_hello == 0 || groups.size() <= opt.max_groups_per_hello) {
            tasks.push_back([&run, v, suites] { return run_group_walk(run, v, suites); });
            continue;
        }
        auto blocks =
            split_interleaved(Items(groups.begin(), groups.end()), opt.max_groups_per_hello);
        run.group_chains[index_of(v)].resize(blocks.size());
        for (std::size_t b = 0; b < blocks.size(); ++b) {
            HelloRequest base;
            base.version = v;
            base.cipher_suites = suites;
            tasks.push_back([&run, base, items = std::move(blocks[b]),
                             &picks = run.group_chains[index_of(v)][b]] {
                return walk_block(run, base, items, true, picks);
            });
        }
    }
    co_await run_all(limit, tasks);
    for (auto v : opt.versions) {
        if (opt.preference && v != Version::ssl2 && run.at(v).suites.size() >= 2) {
            judge_preference(run, v);
            if (run.at(v).server_preference == true) take_walk_order(run, v);
        }
        for (const auto& chain : run.group_chains[index_of(v)])
            for (const auto& p : chain) {
                run.at(v).groups.push_back(static_cast<std::uint16_t>(p.item));
                run.at(v).group_names.emplace_back(
                    wire::group_name(static_cast<std::uint16_t>(p.item)));
            }
    }

    // Phase 3: the server's order over split suites; server or client group order.
    tasks.clear();
    for (auto v : opt.versions) {
        if (run.at(v).server_preference == true && run.chains[index_of(v)].size() > 1)
            tasks.push_back([&run, v] { return run_merge(run, v); });
        if (opt.preference && run.group_chains[index_of(v)].size() == 1 &&
            !run.group_key_shares[index_of(v)] && run.at(v).groups.size() >= 2)
            tasks.push_back([&run, v, suites = group_probe_suites(run.at(v))] {
                return run_group_reverse(run, v, suites);
            });
    }
    co_await run_all(limit, tasks);
    for (auto v : opt.versions) judge_group_preference(run, v);
    co_return std::move(run.result);
}

}  // namespace tlsprobe::probe
