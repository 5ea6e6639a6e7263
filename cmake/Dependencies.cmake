# Every third-party dependency is a Debian package (see scripts/lib/packages.sh).
find_package(Threads REQUIRED)
find_package(GDAL CONFIG REQUIRED)
find_package(GEOS CONFIG REQUIRED)        # provides GEOS::geos_c (we use the C API only)
find_package(Boost 1.74 REQUIRED)          # header-only parts: Geometry
find_package(nlohmann_json REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)  # PQconninfoParse (store/pg_conninfo.cpp)
find_package(SQLite3 REQUIRED)
# libosmium (header-only) and what it reads with: protozero (header-only), zlib, bzip2, expat.
find_package(ZLIB REQUIRED)
find_package(BZip2 REQUIRED)
find_package(EXPAT REQUIRED)
pkg_check_modules(PISTACHE REQUIRED IMPORTED_TARGET libpistache)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # argon2id password hashes, random tokens
find_package(CURL REQUIRED)  # notification channels: HTTPS posts to webhooks, robots and SMS gateways
