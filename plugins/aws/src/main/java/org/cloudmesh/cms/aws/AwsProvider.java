package org.cloudmesh.cms.aws;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.pf4j.Extension;

/**
 * Kind {@code aws}: EC2 through the AWS SDK for Java v2. Reads {@code credentials: {EC2_ACCESS_ID, EC2_SECRET_KEY,
 * region}} (as cloudmesh), {@code default: {image, flavor, key, secgroup, username}}, and {@code endpoint} to talk to
 * another EC2-compatible endpoint than AWS's.
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
