"""The Azure regions this platform may deploy to.

The build network must stay on US soil (FedRAMP Moderate, NIST SP 800-171 data residency), so only US
regions are known. Availability-zone support decides whether zone-redundant options may be set; a region
without zones rejects them at deployment time, so the program asks this table instead of guessing.
Source: Microsoft Learn, "Azure regions with availability zone support" (reliability/availability-zones-region-support).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str
    availability_zones: bool
    sovereign_cloud: bool = False


US_REGIONS: dict[str, Region] = {
    region.name: region
    for region in (
        Region("eastus", "East US", availability_zones=True),
        Region("eastus2", "East US 2", availability_zones=True),
        Region("centralus", "Central US", availability_zones=True),
        Region("southcentralus", "South Central US", availability_zones=True),
        Region("westus2", "West US 2", availability_zones=True),
        Region("westus3", "West US 3", availability_zones=True),
        Region("northcentralus", "North Central US", availability_zones=False),
        Region("westus", "West US", availability_zones=False),
        Region("westcentralus", "West Central US", availability_zones=False),
        Region("usgovvirginia", "US Gov Virginia", availability_zones=True, sovereign_cloud=True),
        Region("usgovarizona", "US Gov Arizona", availability_zones=False, sovereign_cloud=True),
        Region("usgovtexas", "US Gov Texas", availability_zones=False, sovereign_cloud=True),
    )
}

# Short codes keep physical names inside tight limits (Key Vault: 24 characters).
REGION_CODES: dict[str, str] = {
    "eastus": "eus",
    "eastus2": "eus2",
    "centralus": "cus",
    "southcentralus": "scus",
    "westus2": "wus2",
    "westus3": "wus3",
    "northcentralus": "ncus",
    "westus": "wus",
    "westcentralus": "wcus",
    "usgovvirginia": "usgv",
    "usgovarizona": "usga",
    "usgovtexas": "usgt",
}
