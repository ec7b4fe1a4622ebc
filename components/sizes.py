"""The catalog of VM sizes the build agents may run on, and why each one is allowed or refused.

A build agent runs `docker build --isolation=hyperv`: every build gets its own utility VM, which inside an
Azure VM needs nested virtualization. The pool is sized at exactly 4 vCPU / 8 GiB, so a size is usable
only if it has that shape, lists nested virtualization as supported and is not a confidential size
(confidential VMs have no nested virtualization).

Facts per size come from each series' spec page in MicrosoftDocs/azure-compute-docs,
articles/virtual-machines/sizes/<family>/<series>-series.md ("Feature support" and "Sizes in series"):
fsv2-series, dlsv5-series, dlsv6-series, dalsv6-series, dasv5-series, bsv2-series, dcasv5-series,
dcsv3-series. Refused sizes stay in the catalog so that a refusal can say what is wrong with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Generation = Literal["V1", "V2"]
AcceleratedNetworking = Literal["unsupported", "supported", "required"]
DiskController = Literal["SCSI", "NVMe"]

REQUIRED_VCPUS = 4
REQUIRED_MEMORY_GIB = 8


@dataclass(frozen=True)
class VmSize:
    name: str
    vcpus: int
    memory_gib: int
    nested_virtualization: bool
    generations: tuple[Generation, ...]
    accelerated_networking: AcceleratedNetworking
    disk_controllers: tuple[DiskController, ...] = ("SCSI",)
    confidential: bool = False

    @property
    def problem(self) -> str | None:
        """Why a Hyper-V isolated build agent cannot run on this size, or None."""
        if self.confidential:
            return "is a confidential size, which has no nested virtualization"
        if not self.nested_virtualization:
            return "does not support nested virtualization"
        if (self.vcpus, self.memory_gib) != (REQUIRED_VCPUS, REQUIRED_MEMORY_GIB):
            return (
                f"has {self.vcpus} vCPU / {self.memory_gib} GiB; build agents are sized at "
                f"{REQUIRED_VCPUS} vCPU / {REQUIRED_MEMORY_GIB} GiB"
            )
        return None

    @property
    def hyper_v_generation(self) -> Generation:
        """Generation 2 (UEFI) wherever the size offers it; Generation 1 only for Gen1-only sizes."""
        return "V2" if "V2" in self.generations else "V1"

    @property
    def nvme_only(self) -> bool:
        return self.disk_controllers == ("NVMe",)

    def describe(self) -> str:
        generations = "+".join(f"Gen{g[1]}" for g in self.generations)
        return f"{self.name} ({self.vcpus} vCPU / {self.memory_gib} GiB, {generations})"


VM_SIZES: dict[str, VmSize] = {
    size.name: size
    for size in (
        VmSize("Standard_F4s_v2", 4, 8, True, ("V1", "V2"), "supported"),
        VmSize("Standard_D4ls_v5", 4, 8, True, ("V1", "V2"), "required"),
        VmSize("Standard_D4ls_v6", 4, 8, True, ("V2",), "supported", ("SCSI", "NVMe")),
        # Dalsv6: "This VM series will only work on OS images that support NVMe".
        VmSize("Standard_D4als_v6", 4, 8, True, ("V2",), "supported", ("NVMe",)),
        VmSize("Standard_D4as_v5", 4, 16, True, ("V1", "V2"), "supported"),
        VmSize("Standard_B4ls_v2", 4, 8, False, ("V1", "V2"), "supported"),
        VmSize("Standard_DC4as_v5", 4, 16, False, ("V2",), "supported", confidential=True),
        VmSize("Standard_DC4s_v3", 4, 32, False, ("V2",), "supported", confidential=True),
    )
}


def allowed_sizes() -> list[VmSize]:
    return [size for size in VM_SIZES.values() if size.problem is None]


def allowed_sizes_text() -> str:
    return ", ".join(size.describe() for size in allowed_sizes())
