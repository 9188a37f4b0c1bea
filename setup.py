"""pip install . : builds the engine's extension module with CMake (the same
build as `cmake -S . -B build`) and installs the packages microcircuit
(python/microcircuit) and pd14analysis (python/pd14analysis). Without a
package index: `pip install --no-build-isolation .` in a virtual environment
made with --system-site-packages."""
import os
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
        subprocess.check_call(
            [
                "cmake",
                "-S",
                ROOT,
                "-B",
                build_dir,
                "-DCMAKE_BUILD_TYPE=Release",
                "-DMICROCIRCUIT_TESTS=OFF",
            ]
        )
        subprocess.check_call(
            ["cmake", "--build", build_dir, "--target", "_engine", "-j", str(os.cpu_count() or 1)]
        )
        built = os.path.join(
            build_dir, "python", "microcircuit", os.path.basename(self.get_ext_filename(ext.name))
        )
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


setup(
    packages=["microcircuit", "pd14analysis"],
    package_dir={"": "python"},
    ext_modules=[Extension("microcircuit._engine", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
