# A new (synthetic) enterprise joins the BioMed cluster as its anchor finisher: valid, and
# OWL 2 RL makes it a ckg:AnchorEnterprise (playsRole chain + hasValue restriction).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX cl:   <https://w3id.org/clusterkg/id/cluster/>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:acme a ckg:Enterprise ; ckg:synthetic true ;
            rdfs:label "Acme Medical (synthetic)"@en .
        syn:acme-biomed a ckg:ClusterMembership ; ckg:synthetic true ;
            org:member syn:acme ; ckg:cluster cl:biomed ;
            ckg:clusterRole ckg:anchorFinisherRole .
    }
}
