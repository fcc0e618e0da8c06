# Violation: a patent held by MedInzh with a share of 150 % (ckgsh:IPHoldingShape-sharePercent,
# and the sum of the right's shares, ckgsh:IntellectualPropertyRightShape-sharesSum).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX og:   <https://w3id.org/clusterkg/id/organization/>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:patent-1 a ckg:Patent ; ckg:synthetic true ;
            rdfs:label "a patent (synthetic)"@en ;
            ckg:hasHolding syn:patent-1-medinzh .
        syn:patent-1-medinzh a ckg:IPHolding ; ckg:synthetic true ;
            ckg:holder og:medinzh ;
            ckg:sharePercent 150 .
    }
}
