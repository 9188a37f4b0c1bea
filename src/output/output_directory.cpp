#include "output/output_directory.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace microcircuit {

namespace fs = std::filesystem;

OutputFiles::OutputFiles(const std::string& data_path)
    : directory(data_path), spikes((fs::path(data_path) / "spikes.h5").string()),
      spikes_incomplete((fs::path(data_path) / ".spikes.h5.incomplete").string()),
      report((fs::path(data_path) / "report.json").string()),
      spike_journal((fs::path(data_path) / ".spikes.journal").string()),
      voltage_journal((fs::path(data_path) / ".voltages.journal").string()),
      checkpoint((fs::path(data_path) / "checkpoint.h5").string()) {}

std::string OutputFiles::refusal(bool overwrite_files, bool restart) const {
    std::error_code error;
    if (fs::exists(directory, error) && !fs::is_directory(directory, error)) {
        return "simulation.data_path: " + directory + " exists and is not a directory";
    }
    // A continued run writes what its interrupted run would have: it may
    // replace the files that run completed before it was killed.
    if (overwrite_files || restart) {
        return {};
    }
    if (fs::exists(checkpoint, error)) {
        return "refusing to start a new run in " + directory +
               ": it holds the checkpoint of an interrupted run (or of one kept by "
               "simulation.checkpoint_at_end); continue it with "
               "microcircuit_mpi --restart " +
               directory + ", or choose another directory with --set simulation.data_path=DIR";
    }
    for (const auto& file : {spikes, report}) {
        if (fs::exists(file, error)) {
            return "refusing to overwrite " + file +
                   " (simulation.overwrite_files is false): choose another directory with "
                   "--set simulation.data_path=DIR, or allow replacing the old output with "
                   "--set simulation.overwrite_files=true (it is replaced only after the new "
                   "run has finished writing)";
        }
    }
    return {};
}

void OutputFiles::remove_leftovers() const {
    std::error_code error;
    for (const auto& file : {spike_journal, voltage_journal, spikes_incomplete,
                             checkpoint + ".incomplete", report + ".incomplete"}) {
        fs::remove(file, error);
    }
}

void OutputFiles::create_directory() const {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) {
        throw std::runtime_error("simulation.data_path: cannot create " + directory + ": " +
                                 error.message());
    }
}

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".incomplete";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
        if (!out) {
            throw std::runtime_error("cannot write " + temporary);
        }
    }
    fs::rename(temporary, path);
}

} // namespace microcircuit
