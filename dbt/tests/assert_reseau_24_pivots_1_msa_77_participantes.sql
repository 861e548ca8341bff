-- The network of seed 000: 24 Caf pivots and 1 caisse MSA do the recovery, 77 Caf participantes.
select type_organisme, role, count(*) as nombre
from {{ ref('cafs') }}
group by type_organisme, role
having not (
    (type_organisme = 'CAF' and role = 'pivot' and count(*) = 24)
    or (type_organisme = 'CAF' and role = 'participante' and count(*) = 77)
    or (type_organisme = 'MSA' and role = 'pivot' and count(*) = 1)
)
