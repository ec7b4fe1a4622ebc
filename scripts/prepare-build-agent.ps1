<#
.SYNOPSIS
Prepares a Windows Server 2022 Core scale-set instance to build Hyper-V isolated container images.

.DESCRIPTION
Run once per instance by the Custom Script Extension (as LocalSystem), before the Azure DevOps agent
extension. Every step checks the machine first and changes only what differs, so running the script
again is harmless. The script never restarts the machine itself: a restart inside a Custom Script
Extension run fails the extension (learn.microsoft.com/azure/virtual-machines/extensions/
custom-script-windows, "Tips"); when a step needs one, a one-time scheduled task restarts the
instance once, a minute after the script has returned 0.
Windows PowerShell 5.1, ASCII only (the extension misreads other characters).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $TimeZone,
    [Parameter(Mandatory)] [string] $NuGetFeedUrl,
    [Parameter(Mandatory)] [string] $DockerVersion,
    [Parameter(Mandatory)] [string] $PowerShellVersion,
    [Parameter(Mandatory)] [int] $MinPasswordLength,
    [Parameter(Mandatory)] [int] $LockoutThreshold,
    [Parameter(Mandatory)] [int] $LockoutWindowMinutes,
    [Parameter(Mandatory)] [int] $LockoutDurationMinutes
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12

$stateDir = Join-Path $env:ProgramData 'wincontainers'
New-Item -ItemType Directory -Force -Path $stateDir | Out-Null
Start-Transcript -Path (Join-Path $stateDir 'prepare-build-agent.log') -Append | Out-Null
$restartNeeded = $false

function Invoke-Native([string] $FilePath, [string[]] $Arguments) {
    & $FilePath @Arguments | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# --- 1. Windows features: Hyper-V (for --isolation=hyperv) and Containers ------------------------------
foreach ($feature in @('Hyper-V', 'Containers')) {
    if ((Get-WindowsFeature -Name $feature).InstallState -ne 'Installed') {
        $result = Install-WindowsFeature -Name $feature -IncludeManagementTools
        if ($result.RestartNeeded -eq 'Yes') { $restartNeeded = $true }
    }
}

# --- 2. Container runtime: Docker engine, Hyper-V isolation by default ----------------------------------
$dockerDir = Join-Path $env:ProgramFiles 'docker'
$dockerd = Join-Path $dockerDir 'dockerd.exe'
$installedDocker = if (Test-Path $dockerd) { & $dockerd --version } else { '' }
if ($installedDocker -notmatch [regex]::Escape("version $DockerVersion,")) {
    if (Get-Service -Name docker -ErrorAction SilentlyContinue) { Stop-Service -Name docker -Force }
    $zip = Join-Path $env:TEMP "docker-$DockerVersion.zip"
    Invoke-WebRequest -UseBasicParsing -Uri "https://download.docker.com/win/static/stable/x86_64/docker-$DockerVersion.zip" -OutFile $zip
    Expand-Archive -Path $zip -DestinationPath $env:ProgramFiles -Force
    Remove-Item -Path $zip -Force
}
$machinePath = [Environment]::GetEnvironmentVariable('Path', 'Machine')
if (($machinePath -split ';') -notcontains $dockerDir) {
    [Environment]::SetEnvironmentVariable('Path', "$machinePath;$dockerDir", 'Machine')
}
$daemonJson = Join-Path $env:ProgramData 'docker\config\daemon.json'
$daemonConfig = '{ "exec-opts": ["isolation=hyperv"] }'
if (-not (Test-Path $daemonJson) -or (Get-Content -Raw $daemonJson).Trim() -ne $daemonConfig) {
    New-Item -ItemType Directory -Force -Path (Split-Path $daemonJson) | Out-Null
    Set-Content -Path $daemonJson -Value $daemonConfig -Encoding ASCII
}
if (-not (Get-Service -Name docker -ErrorAction SilentlyContinue)) {
    Invoke-Native $dockerd @('--register-service')
}
Set-Service -Name docker -StartupType Automatic
# The engine needs the Containers feature active; after a pending restart the service starts on its own.
if (-not $restartNeeded -and (Get-Service -Name docker).Status -ne 'Running') { Start-Service -Name docker }

# --- 3. PowerShell 7, so that Dockerfiles on the host can use SHELL ["pwsh", "-Command"] --------------
$pwsh = Join-Path $env:ProgramFiles 'PowerShell\7\pwsh.exe'
$installedPwsh = if (Test-Path $pwsh) { (Get-Item $pwsh).VersionInfo.ProductVersion } else { '' }
if (-not $installedPwsh.StartsWith($PowerShellVersion)) {
    $msi = Join-Path $env:TEMP "PowerShell-$PowerShellVersion-win-x64.msi"
    Invoke-WebRequest -UseBasicParsing -OutFile $msi `
        -Uri "https://github.com/PowerShell/PowerShell/releases/download/v$PowerShellVersion/PowerShell-$PowerShellVersion-win-x64.msi"
    $signature = Get-AuthenticodeSignature -FilePath $msi
    if ($signature.Status -ne 'Valid' -or $signature.SignerCertificate.Subject -notmatch 'O=Microsoft Corporation') {
        throw "PowerShell installer signature is $($signature.Status) ($($signature.SignerCertificate.Subject)); refusing to install"
    }
    $msiexec = Start-Process -FilePath msiexec.exe -Wait -PassThru -ArgumentList @(
        '/i', "`"$msi`"", '/qn', '/norestart', 'ADD_PATH=1'
    )
    if ($msiexec.ExitCode -notin @(0, 3010)) { throw "PowerShell installer failed with exit code $($msiexec.ExitCode)" }
    if ($msiexec.ExitCode -eq 3010) { $restartNeeded = $true }
    Remove-Item -Path $msi -Force
}

# --- 4. Time zone ----------------------------------------------------------------------------------
if ((Get-TimeZone).Id -ne $TimeZone) {
    Set-TimeZone -Id $TimeZone
}

# --- 5. IPv6 stack off: 0xFF disables every IPv6 component except loopback --------------------------
# (learn.microsoft.com/troubleshoot/windows-server/networking/configure-ipv6-in-windows). Takes effect
# after a restart.
$tcpip6 = 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters'
$disabledComponents = (Get-ItemProperty -Path $tcpip6 -Name DisabledComponents -ErrorAction SilentlyContinue).DisabledComponents
if ($disabledComponents -ne 0xFF) {
    New-ItemProperty -Path $tcpip6 -Name DisabledComponents -PropertyType DWord -Value 0xFF -Force | Out-Null
    $restartNeeded = $true
}

# --- 6. Machine-wide NuGet.Config: the internal feed is the only source, nuget.org removed -------------
# NuGet reads %ProgramFiles(x86)%\NuGet\Config before user and solution files; <clear/> drops inherited
# sources and disabledPackageSources keeps nuget.org off even where a user-level file adds it back.
$nugetDir = Join-Path ${env:ProgramFiles(x86)} 'NuGet\Config'
$nugetConfig = Join-Path $nugetDir 'NuGet.Config'
$nugetXml = @"
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="internal" value="$NuGetFeedUrl" protocolVersion="3" />
  </packageSources>
  <disabledPackageSources>
    <add key="nuget.org" value="true" />
  </disabledPackageSources>
</configuration>
"@
if (-not (Test-Path $nugetConfig) -or (Get-Content -Raw $nugetConfig).Trim() -ne $nugetXml.Trim()) {
    New-Item -ItemType Directory -Force -Path $nugetDir | Out-Null
    Set-Content -Path $nugetConfig -Value $nugetXml -Encoding UTF8
}

# --- 7. Local password policy: length, lockout (net accounts) and complexity (secedit) ----------------
$accounts = (& net.exe accounts) -join "`n"
$wanted = @{
    'Minimum password length' = $MinPasswordLength
    'Lockout threshold' = $LockoutThreshold
    'Lockout observation window \(minutes\)' = $LockoutWindowMinutes
    'Lockout duration \(minutes\)' = $LockoutDurationMinutes
}
$policyDrift = $false
foreach ($setting in $wanted.GetEnumerator()) {
    if ($accounts -notmatch "(?m)^$($setting.Key):\s+$($setting.Value)\s*$") { $policyDrift = $true }
}
if ($policyDrift) {
    # Threshold first (duration and window mean nothing without it), then the duration, because Windows
    # refuses an observation window longer than the duration.
    Invoke-Native net.exe @('accounts', "/minpwlen:$MinPasswordLength")
    Invoke-Native net.exe @('accounts', "/lockoutthreshold:$LockoutThreshold")
    Invoke-Native net.exe @('accounts', "/lockoutduration:$LockoutDurationMinutes")
    Invoke-Native net.exe @('accounts', "/lockoutwindow:$LockoutWindowMinutes")
}
$exported = Join-Path $stateDir 'secpol.inf'
Invoke-Native secedit.exe @('/export', '/cfg', $exported, '/areas', 'SECURITYPOLICY', '/quiet')
if ((Get-Content $exported) -notcontains 'PasswordComplexity = 1') {
    (Get-Content $exported) -replace '^PasswordComplexity = \d+$', 'PasswordComplexity = 1' |
        Set-Content -Path $exported -Encoding Unicode
    Invoke-Native secedit.exe @('/configure', '/db', (Join-Path $stateDir 'secpol.sdb'), '/cfg', $exported, '/areas', 'SECURITYPOLICY', '/quiet')
}
Remove-Item -Path $exported -Force

# --- 8. Restart once, if a step above needs it ----------------------------------------------------
$restartMarker = Join-Path $stateDir 'restarted-once'
if ($restartNeeded -and -not (Test-Path $restartMarker)) {
    New-Item -ItemType File -Path $restartMarker | Out-Null
    $action = New-ScheduledTaskAction -Execute 'shutdown.exe' -Argument '/r /t 0 /d p:4:2 /c "wincontainers: build agent preparation"'
    $trigger = New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1)
    Register-ScheduledTask -TaskName 'wincontainers-restart-once' -Action $action -Trigger $trigger `
        -User 'SYSTEM' -RunLevel Highest -Force | Out-Null
}

Stop-Transcript | Out-Null
exit 0
