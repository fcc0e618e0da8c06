# Violation: a cluster membership without a role (ckgsh:ClusterMembershipShape-role).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX cl:   <https://w3id.org/clusterkg/id/cluster/>
PREFIX og:   <https://w3id.org/clusterkg/id/organization/>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:medinzh-second-membership a ckg:ClusterMembership ; ckg:synthetic true ;
            org:member og:medinzh ; ckg:cluster cl:biomed .
    }
}
