-- A participante's pivot is a pivot; a pivot is its own pivot.
select cafs.code_caf, cafs.role, pivots.role as role_du_pivot
from {{ ref('cafs') }} as cafs
inner join {{ ref('cafs') }} as pivots on cafs.code_caf_pivot = pivots.code_caf
where pivots.role <> 'pivot'
    or (cafs.role = 'pivot' and cafs.code_caf_pivot <> cafs.code_caf)
