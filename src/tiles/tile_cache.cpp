// The tile cache: LRU by bytes, single-flight builds, invalidation by point.
#include "wangge/tiles/tile_cache.hpp"

#include <zlib.h>

#include <cstdio>

#include "wangge/util/error.hpp"

namespace wangge::tiles {

struct TileCache::Entry {
  std::string layer;
  TileId tile;
  std::chrono::steady_clock::time_point built;
  std::shared_future<std::shared_ptr<const TileData>> future;
  std::list<Key>::iterator lru;
  bool ready = false;
  std::size_t bytes = 0;
};

std::string gzip(const std::string& bytes) {
  if (bytes.empty()) return {};
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(ErrorCode::internal, "gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error(ErrorCode::internal, "gzip: deflate did not finish");
  return out;
}

namespace {

std::string etag_of(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64 over the bytes, and their length
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "\"%016llx-%zx\"", static_cast<unsigned long long>(h),
                bytes.size());
  return buf;
}

}  // namespace

TileCache::TileCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

TileCache::Key TileCache::key_of(const std::string& layer, const TileId& t) {
  return layer + "/" + t.str();
}

std::shared_ptr<const TileData> TileCache::get(const std::string& layer, const TileId& t,
                                               const std::function<std::string()>& build,
                                               std::chrono::seconds ttl) {
  const Key key = key_of(layer, t);
  std::shared_ptr<Entry> entry;
  std::promise<std::shared_ptr<const TileData>> promise;
  std::shared_future<std::shared_ptr<const TileData>> other;  // a build this caller waits for
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      entry = it->second;
      if (entry->ready && ttl.count() > 0 &&
          std::chrono::steady_clock::now() - entry->built > ttl) {
        keep_stale_locked(key, *entry);
        erase_locked(key);  // expired: build again below
        entry.reset();
      }
    }
    if (entry) {
      if (entry->ready) {
        ++stats_.hits;
        lru_.splice(lru_.begin(), lru_, entry->lru);
      } else {
        ++stats_.waits;
      }
    }
    if (!entry) {
      ++stats_.misses;
      entry = std::make_shared<Entry>();
      entry->layer = layer;
      entry->tile = t;
      entry->built = std::chrono::steady_clock::now();
      entry->future = promise.get_future().share();
      lru_.push_front(key);
      entry->lru = lru_.begin();
      entries_.emplace(key, entry);
    } else {
      other = entry->future;
    }
  }
  // Ready: at once; building elsewhere: waits for it — never under the lock, which the
  // builder needs to finish and every other tile request needs to look up.
  if (other.valid()) return other.get();
  // This caller builds; the others wait on the future.
  std::shared_ptr<const TileData> data;
  try {
    auto d = std::make_shared<TileData>();
    d->mvt = build();
    d->gzip = gzip(d->mvt);
    d->etag = etag_of(d->mvt);
    data = std::move(d);
  } catch (const Error& e) {
    std::shared_ptr<const TileData> fallback;
    {
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(key); it != entries_.end() && it->second == entry)
        erase_locked(key);
      if (auto s = stale_.find(key); e.code() == ErrorCode::unavailable && s != stale_.end()) {
        auto copy = std::make_shared<TileData>(*s->second.data);
        copy->stale = true;
        fallback = std::move(copy);
      }
    }
    if (fallback) {
      promise.set_value(fallback);
      return fallback;
    }
    promise.set_exception(std::current_exception());
    throw;
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end() && it->second == entry)
      erase_locked(key);
    throw;
  }
  promise.set_value(data);
  std::lock_guard lock(mutex_);
  // Invalidated while building: the entry is gone (or replaced) and this result is not kept,
  // except as the newest version to fall back on.
  if (auto it = entries_.find(key); it == entries_.end() || it->second != entry) {
    keep_stale_locked(key, data);
  } else {
    drop_stale_locked(key);  // fresh again: the fallback is done
    entry->ready = true;
    entry->bytes = data->mvt.size() + data->gzip.size() + key.size() + 128;
    bytes_ += entry->bytes;
    while (bytes_ > capacity_ && lru_.size() > 1) {
      const Key victim = lru_.back();
      auto v = entries_.find(victim);
      if (v == entries_.end() || !v->second->ready) break;  // never evict a build in flight
      erase_locked(victim);
      ++stats_.evicted;
    }
  }
  return data;
}

std::shared_ptr<const TileData> TileCache::peek(const std::string& layer, const TileId& t,
                                                std::chrono::seconds ttl) const {
  const Key key = key_of(layer, t);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second->ready) return nullptr;
  if (ttl.count() > 0 && std::chrono::steady_clock::now() - it->second->built > ttl) return nullptr;
  return it->second->future.get();
}

void TileCache::keep_stale_locked(const Key& key, const Entry& entry) {
  if (entry.ready) keep_stale_locked(key, entry.future.get());
}

void TileCache::keep_stale_locked(const Key& key, std::shared_ptr<const TileData> data) {
  const std::size_t size = data->mvt.size() + data->gzip.size();
  drop_stale_locked(key);
  if (size > capacity_ / 4) return;
  while (stale_bytes_ + size > capacity_ / 4 && !stale_order_.empty())
    drop_stale_locked(stale_order_.front());
  stale_order_.push_back(key);
  stale_.emplace(key, Stale{std::move(data), std::prev(stale_order_.end())});
  stale_bytes_ += size;
}

void TileCache::drop_stale_locked(const Key& key) {
  auto it = stale_.find(key);
  if (it == stale_.end()) return;
  stale_bytes_ -= it->second.data->mvt.size() + it->second.data->gzip.size();
  stale_order_.erase(it->second.order);
  stale_.erase(it);
}

void TileCache::erase_locked(const Key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second->bytes;
  lru_.erase(it->second->lru);
  entries_.erase(it);
}

std::size_t TileCache::invalidate_point(const std::string& layer, geo::XY lonlat, double margin) {
  std::size_t dropped = 0;
  const geo::BBox point{lonlat.x, lonlat.y, lonlat.x, lonlat.y};
  std::lock_guard lock(mutex_);
  for (int z = 0; z <= kMaxZoom; ++z) {
    for (const TileId& t : tiles_touching(point, z, margin)) {
      const Key key = key_of(layer, t);
      if (auto it = entries_.find(key); it != entries_.end()) {
        keep_stale_locked(key, *it->second);
        erase_locked(key);
        ++dropped;
      }
    }
  }
  stats_.invalidated += dropped;
  return dropped;
}

std::size_t TileCache::invalidate_box(const std::string& layer, const geo::BBox& box,
                                      double margin) {
  return erase_if([&](const Entry& e) {
    if (e.layer != layer) return false;
    const geo::BBox b = lonlat_bounds(e.tile);
    const double px = (b.max_x - b.min_x) * margin, py = (b.max_y - b.min_y) * margin;
    return b.max_x + px >= box.min_x && b.min_x - px <= box.max_x && b.max_y + py >= box.min_y &&
           b.min_y - py <= box.max_y;
  });
}

std::size_t TileCache::invalidate_layer(const std::string& layer) {
  return erase_if([&](const Entry& e) { return e.layer == layer; });
}

std::size_t TileCache::erase_if(const std::function<bool(const Entry&)>& drop) {
  std::lock_guard lock(mutex_);
  std::size_t dropped = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (drop(*it->second)) {
      keep_stale_locked(it->first, *it->second);
      bytes_ -= it->second->bytes;
      lru_.erase(it->second->lru);
      it = entries_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  stats_.invalidated += dropped;
  return dropped;
}

TileCacheStats TileCache::stats() const {
  std::lock_guard lock(mutex_);
  TileCacheStats s = stats_;
  s.entries = entries_.size();
  s.bytes = bytes_;
  return s;
}

}  // namespace wangge::tiles
