<#
.SYNOPSIS
Authenticode-sign ClinicDesk files with signtool, the private key staying in its HSM or token
(code-signing keys issued since June 2023 must live on such hardware: no .pfx anywhere).

.DESCRIPTION
  installer\sign.ps1 -Path dist\clinicdesk-workstation        # every .exe .dll .pyd below it
  installer\sign.ps1 -Path dist\ClinicDesk-1.2.3-fr.msi

How, from the environment (the workflow sets it from repository variables and secrets):
  SIGNING_MODE=azure       Azure Trusted Signing (a cloud HSM): AZURE_SIGNING_ENDPOINT,
                           AZURE_SIGNING_ACCOUNT, AZURE_SIGNING_PROFILE, and TRUSTED_SIGNING_DLIB,
                           the path of Azure.CodeSigning.Dlib.dll (NuGet package
                           Microsoft.Trusted.Signing.Client). Sign in to Entra ID first
                           (azure/login: the DLib uses DefaultAzureCredential).
  SIGNING_MODE=certstore   a certificate whose key is on a token or HSM reached through its CSP or
                           KSP, on this machine (a self-hosted runner): SIGNING_CERT_SHA1, the
                           thumbprint of the certificate in the user's store; or SIGNING_CERT_FILE
                           (the .cer), SIGNING_CSP and SIGNING_KEY_CONTAINER.
  SIGNING_TIMESTAMP_URL    RFC 3161 time-stamping server (default: Microsoft's for azure,
                           DigiCert's for certstore). Every signature is time-stamped, SHA-256.

Files that already carry a valid signature of their own publisher (python3*.dll: Python Software
Foundation; Qt's DLLs; Microsoft's C runtime) keep it; every other PE file gets ours. The script
fails unless every file ends up validly signed and ours are time-stamped.
#>
param(
    [Parameter(Mandatory)] [string[]] $Path,
    [string] $Description = "ClinicDesk"
)
$ErrorActionPreference = "Stop"

$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object { try { [version]$_.Directory.Parent.Name } catch { [version]"0.0" } } -Descending |
    Select-Object -First 1
if (-not $signtool) { throw "signtool.exe not found: install the Windows SDK" }

$files = @(foreach ($p in $Path) {
    if (Test-Path $p -PathType Container) {
        Get-ChildItem $p -Recurse -File -Include *.exe, *.dll, *.pyd
    } else {
        Get-Item $p
    }
})
if (-not $files) { throw "nothing to sign in $Path" }

$timestamp = $env:SIGNING_TIMESTAMP_URL
switch ($env:SIGNING_MODE) {
    "azure" {
        if (-not $timestamp) { $timestamp = "http://timestamp.acs.microsoft.com" }
        foreach ($name in "AZURE_SIGNING_ENDPOINT", "AZURE_SIGNING_ACCOUNT", "AZURE_SIGNING_PROFILE",
                          "TRUSTED_SIGNING_DLIB") {
            if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set" }
        }
        $metadata = Join-Path ([IO.Path]::GetTempPath()) "clinicdesk-trusted-signing.json"
        @{ Endpoint = $env:AZURE_SIGNING_ENDPOINT
           CodeSigningAccountName = $env:AZURE_SIGNING_ACCOUNT
           CertificateProfileName = $env:AZURE_SIGNING_PROFILE } |
            ConvertTo-Json | Set-Content $metadata -Encoding utf8
        $how = @("/dlib", $env:TRUSTED_SIGNING_DLIB, "/dmdf", $metadata)
    }
    "certstore" {
        if (-not $timestamp) { $timestamp = "http://timestamp.digicert.com" }
        if ($env:SIGNING_CSP) {
            $how = @("/f", $env:SIGNING_CERT_FILE, "/csp", $env:SIGNING_CSP,
                     "/kc", $env:SIGNING_KEY_CONTAINER)
        } elseif ($env:SIGNING_CERT_SHA1) {
            $how = @("/sha1", $env:SIGNING_CERT_SHA1)
        } else {
            throw "certstore: set SIGNING_CERT_SHA1, or SIGNING_CERT_FILE, SIGNING_CSP and SIGNING_KEY_CONTAINER"
        }
    }
    default { throw "SIGNING_MODE must be azure or certstore, not '$env:SIGNING_MODE'" }
}

$todo = @($files | Where-Object { (Get-AuthenticodeSignature $_.FullName).Status -ne "Valid" })
Write-Output ("signing {0} of {1} file(s); {2} already signed by their publisher" -f
              $todo.Count, $files.Count, ($files.Count - $todo.Count))
for ($i = 0; $i -lt $todo.Count; $i += 50) {  # command lines stay short
    $batch = @($todo[$i..([Math]::Min($i + 49, $todo.Count - 1))].FullName)
    & $signtool.FullName sign /fd SHA256 /tr $timestamp /td SHA256 /d $Description @how @batch
    if ($LASTEXITCODE -ne 0) { throw "signtool failed ($LASTEXITCODE)" }
}

$unsigned = @($files | Where-Object { (Get-AuthenticodeSignature $_.FullName).Status -ne "Valid" })
if ($unsigned) { throw "not validly signed: $($unsigned.FullName -join ', ')" }
$untimed = @($todo | Where-Object { -not (Get-AuthenticodeSignature $_.FullName).TimeStamperCertificate })
if ($untimed) { throw "signed without a timestamp: $($untimed.FullName -join ', ')" }
Write-Output "all $($files.Count) file(s) validly signed; ours time-stamped by $timestamp"
