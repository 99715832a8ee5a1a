package org.cloudmesh.cms.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cloudmesh.cms.api.libvirt.DomainXml;
import org.junit.jupiter.api.Test;

class MetadataTest {
    private static String domain(String memory) {
        return "<domain type='test'><name>x</name>" + memory + "<vcpu>2</vcpu>"
                + "<metadata><cms:vm xmlns:cms='" + LibvirtCompute.NS + "'><cms:image>img</cms:image></cms:vm></metadata>"
                + "<devices><interface type='network'><mac address='52:54:00:00:00:01'/></interface></devices></domain>";
    }

    @Test
    void memoryIsReportedInMiBWhateverUnitLibvirtWritesBack() {
        // libvirt reads a definition in MiB back as KiB
        assertEquals("256", DomainXml.metadata(domain("<memory unit='KiB'>262144</memory>"), LibvirtCompute.NS, "vm").get("_memory_mib"));
        assertEquals("256", DomainXml.metadata(domain("<memory>262144</memory>"), LibvirtCompute.NS, "vm").get("_memory_mib"), "KiB is the default");
        assertEquals("2048", DomainXml.metadata(domain("<memory unit='GiB'>2</memory>"), LibvirtCompute.NS, "vm").get("_memory_mib"));
        assertEquals("512", DomainXml.metadata(domain("<memory unit='MiB'>512</memory>"), LibvirtCompute.NS, "vm").get("_memory_mib"));
    }

    @Test
    void metadataCarriesVcpusMacAndTheCmsFields() {
        var m = DomainXml.metadata(domain("<memory unit='KiB'>1048576</memory>"), LibvirtCompute.NS, "vm");
        assertEquals("2", m.get("_vcpu"));
        assertEquals("52:54:00:00:00:01", m.get("_mac"));
        assertEquals("img", m.get("image"));
    }
}
