#include "output/recording_journal.hpp"

#include "microcircuit/checkpoint.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace microcircuit {

namespace {

constexpr std::uint64_t replay_words = std::uint64_t{1} << 18U; // per piece handed on

std::string system_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

} // namespace

JournalFile::JournalFile(const std::string& path, const Communicator& communicator,
                         std::uint64_t record_bytes, bool resume, std::uint64_t records)
    : path_(path), communicator_(communicator), record_bytes_(record_bytes),
      records_(resume ? records : 0) {
    std::string refusal;
    if (communicator_.rank() == 0) {
        std::error_code error;
        const std::uint64_t wanted = records_ * record_bytes_;
        if (resume) {
            const auto size = std::filesystem::file_size(path_, error);
            if (error || size < wanted) {
                refusal = path_ + " holds " +
                          (error ? std::string("nothing")
                                 : std::to_string(size / record_bytes_) + " records") +
                          " but the checkpoint counts " + std::to_string(records_) +
                          ": the recordings of the interrupted run are incomplete";
            } else {
                std::filesystem::resize_file(path_, wanted, error);
                if (error) {
                    refusal = "cannot cut " + path_ + " back to the checkpoint: " + error.message();
                }
            }
        }
        if (refusal.empty()) {
            file_ = std::fopen(path_.c_str(), resume ? "a+b" : "w+b");
            if (file_ == nullptr) {
                refusal = system_error("cannot open", path_);
            }
        }
    }
    refusal = communicator_.broadcast(refusal);
    if (!refusal.empty()) {
        throw CheckpointError(refusal);
    }
}

JournalFile::~JournalFile() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

void JournalFile::append(const void* data, std::uint64_t records) {
    if (file_ != nullptr && records > 0 &&
        std::fwrite(data, record_bytes_, records, file_) != records) {
        throw std::runtime_error(system_error("cannot write", path_));
    }
    records_ += records;
}

void JournalFile::sync() {
    if (file_ != nullptr && (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)) {
        throw std::runtime_error(system_error("cannot write", path_));
    }
}

std::vector<std::uint64_t> JournalFile::read(std::uint64_t first, std::uint64_t count) const {
    std::vector<std::uint64_t> words;
    if (file_ != nullptr) {
        if (std::fflush(file_) != 0) {
            throw std::runtime_error(system_error("cannot write", path_));
        }
        words.resize(count * record_bytes_ / sizeof(std::uint64_t));
        const auto bytes = static_cast<std::size_t>(count * record_bytes_);
        const ssize_t got = ::pread(::fileno(file_), words.data(), bytes,
                                    static_cast<off_t>(first * record_bytes_));
        if (got != static_cast<ssize_t>(bytes)) {
            throw std::runtime_error(system_error("cannot read", path_));
        }
    }
    communicator_.broadcast(words);
    return words;
}

void JournalFile::remove() {
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
        std::remove(path_.c_str());
    }
}

SpikeJournal::SpikeJournal(const std::string& path, const Communicator& communicator, bool resume,
                           std::uint64_t records)
    : file_(path, communicator, sizeof(RecordedSpike), resume, records) {}

void SpikeJournal::write_spikes(const std::vector<RecordedSpike>& spikes) {
    file_.append(spikes.data(), spikes.size());
}

void SpikeJournal::replay(SpikeSink& sink) const {
    static_assert(sizeof(RecordedSpike) == 2 * sizeof(std::uint64_t), "a record is two words");
    constexpr std::uint64_t piece = replay_words / 2;
    std::vector<RecordedSpike> spikes;
    for (std::uint64_t first = 0; first < file_.records(); first += piece) {
        const std::uint64_t count = std::min(piece, file_.records() - first);
        const auto words = file_.read(first, count);
        spikes.resize(count);
        for (std::uint64_t i = 0; i < count; ++i) {
            spikes[i] = {words[2 * i], words[2 * i + 1]};
        }
        sink.write_spikes(spikes);
    }
}

VoltageJournal::VoltageJournal(const std::string& path, const Communicator& communicator,
                               std::uint64_t columns, bool resume, std::uint64_t samples)
    : columns_(columns),
      file_(path, communicator, std::max<std::uint64_t>(columns, 1) * sizeof(double), resume,
            samples) {}

void VoltageJournal::write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                                    const std::vector<double>& rows) {
    if (columns_ == 0) {
        return;
    }
    if (first_sample != file_.records()) {
        throw std::logic_error("voltage samples out of order");
    }
    file_.append(rows.data(), samples);
}

void VoltageJournal::replay(VoltageSink& sink) const {
    const std::uint64_t piece =
        std::max<std::uint64_t>(1, replay_words / std::max<std::uint64_t>(columns_, 1));
    std::vector<double> rows;
    for (std::uint64_t first = 0; first < file_.records(); first += piece) {
        const std::uint64_t count = std::min(piece, file_.records() - first);
        const auto words = file_.read(first, count);
        rows.resize(count * columns_);
        std::memcpy(rows.data(), words.data(), rows.size() * sizeof(double));
        sink.write_voltages(first, count, rows);
    }
}

} // namespace microcircuit
