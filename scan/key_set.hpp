// The set of target keys a scan has seen (duplicates) or an earlier run finished (--resume),
// at 8 bytes a key plus the table's slack instead of a string per key: a million targets
// cost ~10-20 MB here, not the ~100 MB of a std::unordered_set<std::string>.
//
// A key is stored as a 64-bit hash (std::hash of the key's bytes: the table lives in one
// process, so the hash need not agree across builds or machines). Two different keys with
// the same hash make the later one look like a duplicate: with n distinct keys that happens
// with probability about n^2 / 2^65 (1e-8 for a million keys, 3e-6 for 10 million).
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tlsprobe::scan {

class KeySet {
public:
    // True when `key` was not in the set (and now is).
    bool insert(std::string_view key) { return hashes_.insert(hash(key)).second; }
    bool contains(std::string_view key) const { return hashes_.contains(hash(key)); }
    std::size_t size() const { return hashes_.size(); }
    bool empty() const { return hashes_.empty(); }
    void erase(std::string_view key) { hashes_.erase(hash(key)); }

    static std::uint64_t hash(std::string_view key);

private:
    boost::unordered_flat_set<std::uint64_t> hashes_;
};

}  // namespace tlsprobe::scan
