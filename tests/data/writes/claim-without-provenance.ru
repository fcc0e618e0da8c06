# Violation: a new claim graph that the provenance graph does not declare a ckg:Claim.
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX cl:   <https://w3id.org/clusterkg/id/cluster/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/id/claim/unsourced> {
        cl:biomed ckg:innovationModel ckg:closedInnovationModel .
    }
}
