package org.cloudmesh.cms.aws;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.pf4j.Extension;

/**
 * Kind {@code aws}: EC2 through the AWS SDK for Java v2. Reads {@code credentials: {EC2_ACCESS_ID, EC2_SECRET_KEY,
 * region}} (as cloudmesh; {@code EC2_REGION} also names the region), {@code default: {image, flavor, key, secgroup,
 * network, username}}, and {@code endpoint} to talk to another EC2-compatible endpoint than AWS's, with its path
 * (conf/cloudmesh.yaml has an example entry).
 */
@Extension
public final class AwsProvider implements ComputeProvider {
    @Override
    public String kind() {
        return "aws";
    }

    @Override
    public Compute open(ProviderConfig cloud) {
        return new Ec2Compute(cloud);
    }
}
