package org.cloudmesh.cms.azure;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.pf4j.Extension;

/**
 * Kind {@code azure}: Azure virtual machines through the Azure SDK for Java (resource manager compute and network,
 * client-secret credentials). Reads, as cloudmesh does:
 * <pre>
 * azure:
 *   cm: {kind: azure, timeout: 30}           # optional: authority (Entra ID host), cacert (PEM file to trust)
 *   default: {image: Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest, flavor: Standard_B1s,
 *             username: azureuser, group: cloudmesh, network: cms-vnet, secgroup: ...}
 *   credentials: {AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_APPLICATION_ID, AZURE_SECRET_KEY, AZURE_REGION}
 *   endpoint: https://management.example.org  # optional: another Resource Manager (Azure Stack Hub, a test endpoint)
 * </pre>
 * The SDK is only touched when a cloud is opened, never when the plugin loads.
 */
@Extension
public final class AzureProvider implements ComputeProvider {
    @Override
    public String kind() {
        return "azure";
    }

    @Override
    public Compute open(ProviderConfig cloud) {
        return new AzureCompute(cloud);
    }
}
