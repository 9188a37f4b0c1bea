#include "output/recording_journal.hpp"

#include "microcircuit/checkpoint.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <utility>

namespace microcircuit {

namespace {

// Blocks hold at most this many words (unless one record is longer): damage
// is located to within a block, and a reader needs no more memory.
constexpr std::uint64_t block_words = std::uint64_t{1} << 17U;

std::string system_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

} // namespace

JournalRecordCheck spike_record_check(std::uint64_t neurons, const std::uint64_t* last_step) {
    return [neurons, last_step](const std::uint64_t* previous, const std::uint64_t* words,
                                std::uint64_t first, std::uint64_t records) -> std::string {
        for (std::uint64_t i = 0; i < records; ++i) {
            const std::uint64_t step = words[2 * i];
            const std::uint64_t gid = words[2 * i + 1];
            const std::string record = "record " + std::to_string(first + i) + ": ";
            if (gid >= neurons) {
                return record + "neuron id " + std::to_string(gid) + " outside [0, " +
                       std::to_string(neurons) + ")";
            }
            if (step > *last_step) {
                return record + "time step " + std::to_string(step) +
                       " after the last the run reached, " + std::to_string(*last_step);
            }
            const std::uint64_t* before = i > 0 ? words + 2 * (i - 1) : previous;
            if (before != nullptr &&
                (step < before[0] || (step == before[0] && gid <= before[1]))) {
                return record + "(step " + std::to_string(step) + ", neuron " +
                       std::to_string(gid) + ") is not after the record before it";
            }
        }
        return {};
    };
}

JournalFile::JournalFile(const std::string& path, const Communicator& communicator,
                         JournalKind kind, std::uint64_t record_words, JournalRecordCheck check,
                         bool resume, std::uint64_t records)
    : path_(path), communicator_(communicator), kind_(kind), record_words_(record_words),
      check_(std::move(check)), records_(resume ? records : 0) {
    std::string refusal;
    if (communicator_.rank() == 0) {
        if (resume) {
            refusal = keep_verified(records);
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

std::string JournalFile::keep_verified(std::uint64_t records) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path_, error);
    if (error) {
        return records == 0
                   ? std::string{}
                   : path_ + " holds nothing but the checkpoint counts " + std::to_string(records) +
                         " records: the recordings of the interrupted run are incomplete";
    }
    std::FILE* file = std::fopen(path_.c_str(), "rb");
    if (file == nullptr) {
        return system_error("cannot open", path_);
    }
    const JournalByteSource read_file = [file](void* into, std::uint64_t bytes,
                                               std::uint64_t offset) {
        return ::pread(::fileno(file), into, bytes, static_cast<off_t>(offset)) ==
               static_cast<ssize_t>(bytes);
    };
    JournalBlockReader reader(kind_, record_words_, check_);
    std::vector<std::uint64_t> words;
    std::uint64_t kept = 0;
    std::string problem;
    while (kept < records && problem.empty()) {
        problem = reader.read(read_file, size, bytes_, kept, words);
        const std::uint64_t block = words.size() / record_words_;
        if (problem.empty() && kept + block > records) {
            problem = "the checkpoint's position falls inside the block of records " +
                      std::to_string(kept) + " to " + std::to_string(kept + block - 1);
        }
        if (problem.empty()) {
            kept += block;
            bytes_ += reader.block_bytes();
        }
    }
    std::fclose(file);
    if (!problem.empty()) {
        return path_ + ": the recordings of the interrupted run are incomplete or damaged before " +
               "the checkpoint's position (record " + std::to_string(records) + "): " + problem;
    }
    if (size > bytes_) {
        std::cerr << "microcircuit_mpi: note: " << path_ << ": cut off the " << size - bytes_
                  << " bytes written after the checkpoint (record " << records
                  << "); the run goes on from the checkpoint\n";
        std::filesystem::resize_file(path_, bytes_, error);
        if (error) {
            return "cannot cut " + path_ + " back to the checkpoint: " + error.message();
        }
    }
    return {};
}

JournalFile::~JournalFile() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

void JournalFile::append(const void* data, std::uint64_t records) {
    const std::uint64_t per_block = std::max<std::uint64_t>(1, block_words / record_words_);
    std::vector<std::uint64_t> words;
    for (std::uint64_t done = 0; done < records;) {
        const std::uint64_t count = std::min(per_block, records - done);
        if (file_ != nullptr) {
            words.resize(count * record_words_);
            std::memcpy(words.data(),
                        static_cast<const unsigned char*>(data) +
                            done * record_words_ * sizeof(std::uint64_t),
                        words.size() * sizeof(std::uint64_t));
            const JournalBlockHeader header{
                static_cast<std::uint64_t>(kind_), records_, count,
                journal_block_digest(kind_, records_, count, words.data(), words.size())};
            if (std::fwrite(&header, sizeof header, 1, file_) != 1 ||
                std::fwrite(words.data(), sizeof(std::uint64_t), words.size(), file_) !=
                    words.size()) {
                throw std::runtime_error(system_error("cannot write", path_));
            }
            bytes_ += sizeof header + words.size() * sizeof(std::uint64_t);
        }
        records_ += count;
        done += count;
    }
}

void JournalFile::sync() {
    if (file_ != nullptr && (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)) {
        throw std::runtime_error(system_error("cannot write", path_));
    }
}

JournalByteSource JournalFile::source() const {
    return [this](void* into, std::uint64_t bytes, std::uint64_t offset) {
        return ::pread(::fileno(file_), into, bytes, static_cast<off_t>(offset)) ==
               static_cast<ssize_t>(bytes);
    };
}

void JournalFile::replay(const BlockVisitor& visit) const {
    if (file_ != nullptr && std::fflush(file_) != 0) {
        throw std::runtime_error(system_error("cannot write", path_));
    }
    JournalBlockReader reader(kind_, record_words_, check_);
    std::vector<std::uint64_t> words;
    std::uint64_t offset = 0;
    for (std::uint64_t first = 0; first < records_;) {
        std::string problem;
        if (file_ != nullptr) {
            problem = reader.read(source(), bytes_, offset, first, words);
            offset += reader.block_bytes();
            if (problem.empty() && words.size() / record_words_ > records_ - first) {
                problem = "it holds more records than were written";
            }
        }
        problem = communicator_.broadcast(problem);
        if (!problem.empty()) {
            throw std::runtime_error(path_ + " was damaged after it was written: " + problem);
        }
        communicator_.broadcast(words);
        const std::uint64_t records = words.size() / record_words_;
        visit(first, records, words);
        first += records;
    }
}

void JournalFile::remove() {
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
        std::remove(path_.c_str());
    }
}

SpikeJournal::SpikeJournal(const std::string& path, const Communicator& communicator,
                           const DerivedParameters& derived, bool resume, std::uint64_t records,
                           std::uint64_t last_step)
    : last_step_(last_step),
      file_(path, communicator, JournalKind::spikes, 2,
            spike_record_check(derived.num_neurons_total, &last_step_), resume, records) {}

void SpikeJournal::write_spikes(const std::vector<RecordedSpike>& spikes) {
    static_assert(sizeof(RecordedSpike) == 2 * sizeof(std::uint64_t), "a record is two words");
    file_.append(spikes.data(), spikes.size());
}

void SpikeJournal::replay(SpikeSink& sink) const {
    std::vector<RecordedSpike> spikes;
    file_.replay([&](std::uint64_t /*first*/, std::uint64_t records,
                     const std::vector<std::uint64_t>& words) {
        spikes.resize(records);
        for (std::uint64_t i = 0; i < records; ++i) {
            spikes[i] = {words[2 * i], words[2 * i + 1]};
        }
        sink.write_spikes(spikes);
    });
}

VoltageJournal::VoltageJournal(const std::string& path, const Communicator& communicator,
                               std::uint64_t columns, bool resume, std::uint64_t samples)
    : columns_(columns),
      file_(
          path, communicator, JournalKind::voltages, std::max<std::uint64_t>(columns, 1),
          [](const std::uint64_t*, const std::uint64_t*, std::uint64_t, std::uint64_t) {
              return std::string{}; // a sample's place is its block's: nothing more to check
          },
          resume, samples) {}

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
    std::vector<double> rows;
    file_.replay(
        [&](std::uint64_t first, std::uint64_t samples, const std::vector<std::uint64_t>& words) {
            rows.resize(samples * columns_);
            std::memcpy(rows.data(), words.data(), rows.size() * sizeof(double));
            sink.write_voltages(first, samples, rows);
        });
}

} // namespace microcircuit
