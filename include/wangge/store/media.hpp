#pragma once
// The media port of the store: uploaded photos kept in the database itself (SQLite BLOB,
// PostgreSQL bytea), so that every node of a cluster serves the same bytes. Only the copies
// made safe to show are kept (re-encoded, no EXIF): the display copy and its thumbnail.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/time.hpp"

namespace wangge::store {

/// One uploaded photo, without its bytes.
struct MediaRecord {
  std::string id;         ///< "m_" + 22 characters of a-z A-Z 0-9 - _
  std::string owner;      ///< the actor id of the uploader
  std::string report_id;  ///< the case it was first attached to; "" until then
  dispatch::Instant created_at;
  int width = 0, height = 0;                      ///< of the display copy (JPEG)
  int thumbnail_width = 0, thumbnail_height = 0;  ///< of the thumbnail (JPEG)
  std::size_t bytes = 0;                          ///< of the display copy
  std::string etag;                               ///< SHA-256 hex of the display copy
  std::string thumbnail_etag;                     ///< SHA-256 hex of the thumbnail
};

class MediaStore {
 public:
  virtual ~MediaStore() = default;
  /// @throws Error(conflict) when the id exists already.
  virtual void insert_media(const MediaRecord& record, const std::string& display,
                            const std::string& thumbnail) = 0;
  virtual std::optional<MediaRecord> media(const std::string& id) = 0;
  /// The photos case @p report_id took, oldest first.
  virtual std::vector<MediaRecord> media_of(const std::string& report_id) = 0;
  /// The display copy's bytes (or the thumbnail's), std::nullopt for an unknown id.
  virtual std::optional<std::string> media_bytes(const std::string& id, bool thumbnail) = 0;
  /// How many photos @p owner uploaded at or after @p since (an hourly quota).
  virtual std::size_t media_count_since(const std::string& owner, dispatch::Instant since) = 0;
  /// Deletes the photo @p id if no case took it. @returns whether it did.
  virtual bool delete_unattached(const std::string& id) = 0;
  /// Deletes the photos created before @p before that no case took. @returns how many.
  virtual std::size_t delete_unattached_media(dispatch::Instant before) = 0;
};

}  // namespace wangge::store
