-- The arrêté of 21 October 2014 lists 20 départements, 14 of them proposed by the 2013 protocol.
select count(*) as departements, sum(case when propose_protocole_2013 then 1 else 0 end) as proposes
from {{ ref('gipa_departements') }}
having count(*) <> 20 or sum(case when propose_protocole_2013 then 1 else 0 end) <> 14
